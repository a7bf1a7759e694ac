package vat

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Mode is how far a Validator checks.
type Mode string

// The modes of vat.mode.
const (
	// ModeOff checks nothing: every number is accepted as unchecked. It
	// is normalised when it can be, and kept as typed (trimmed) otherwise.
	ModeOff Mode = "off"
	// ModeSyntax normalises and checks the syntax and check digits.
	ModeSyntax Mode = "syntax"
	// ModeVIES does what ModeSyntax does and then asks VIES, unless the
	// syntax is already wrong.
	ModeVIES Mode = "vies"
)

// ParseMode returns the Mode named s.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.TrimSpace(s)); m {
	case ModeOff, ModeSyntax, ModeVIES:
		return m, nil
	}
	return "", fmt.Errorf("vat: %q is not one of off, syntax, vies", s)
}

// Validator checks VAT numbers under a Mode; a Mode other than the three
// (such as the zero one) checks as ModeSyntax does.
type Validator struct {
	Mode Mode
	// Client asks VIES in ModeVIES; the zero Client when nil.
	Client *Client
}

// Validate checks number, for the billing country (ISO 3166-1 alpha-2;
// empty when the number carries its prefix), as far as the mode says. It
// never fails: what is wrong with the number is in the Result.
func (v Validator) Validate(ctx context.Context, number, country string) Result {
	res := v.ValidateSyntax(number, country)
	if v.Mode != ModeVIES || res.Status != StatusValid {
		return res
	}
	c := v.Client
	if c == nil {
		c = &Client{}
	}
	return c.Check(ctx, res.Number)
}

// ValidateSyntax checks number as Validate does but never asks VIES: in
// ModeVIES a number whose syntax and check digits pass is reported valid
// by SourceSyntax. A form calls it to refuse a typing error at once.
func (v Validator) ValidateSyntax(number, country string) Result {
	n, err := Normalize(number, country)
	if v.Mode == ModeOff {
		if err != nil {
			n = strings.TrimSpace(number)
		}
		return Result{Number: n, Valid: true, Status: StatusUnchecked, Source: SourceOff}
	}
	if err == nil {
		err = CheckSyntax(n)
	}
	if err != nil {
		res := Result{Number: n, Status: StatusInvalid, Source: SourceSyntax}
		if !errors.As(err, &res.Reason) {
			res.Reason = fail(ReasonBadFormat, err.Error())
		}
		return res
	}
	return Result{Number: n, Valid: true, Status: StatusValid, Source: SourceSyntax}
}
