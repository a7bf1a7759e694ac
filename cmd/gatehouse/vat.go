package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/vat"
)

// vatJSON is the --json output of "gatehouse vat check".
type vatJSON struct {
	Input       string `json:"input"`
	Number      string `json:"number,omitempty"`
	Result      string `json:"result"`
	Valid       bool   `json:"valid"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	Error       string `json:"error,omitempty"`
	Name        string `json:"name,omitempty"`
	Address     string `json:"address,omitempty"`
	RequestDate string `json:"request_date,omitempty"`
	Source      string `json:"source"`
}

// cmdVAT runs "gatehouse vat ...".
func cmdVAT(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("vat: missing subcommand; use %q", e.prog+" vat check NUMBER")
	}
	switch args[0] {
	case "check":
		return cmdVATCheck(ctx, e, args[1:])
	default:
		return usagef("vat: unknown subcommand %q; use check", args[0])
	}
}

// cmdVATCheck runs "gatehouse vat check NUMBER": it checks the number
// under vat.mode and prints the result. It fails (exit 1) when the number
// is invalid or VIES cannot be reached.
func cmdVATCheck(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "vat check", "vat check NUMBER [--country CC] [--json] [--config FILE]")
	country := fs.String("country", "", "the billing `country` as ISO 3166-1 alpha-2 (GR or EL for Greece, XI for Northern Ireland); needed when NUMBER has no prefix")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	number, err := parseOneArg(fs, args, "NUMBER")
	if err != nil {
		return helpOK(err)
	}
	if c := strings.TrimSpace(*country); c != "" && !isTwoLetters(c) {
		return usagef("vat check: --country %q is not a two-letter ISO 3166 code such as DE", *country)
	}
	cfg, err := loadConfig(*config, e.getenv)
	if err != nil {
		return err
	}
	res := cfg.VAT.validator().Validate(ctx, number, *country)
	out := vatOutput(number, res)
	if *asJSON {
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		printVAT(e, out, cfg.VAT.Mode)
	}
	switch res.Status {
	case vat.StatusInvalid:
		return fmt.Errorf("vat check: %s is not valid", out.Number)
	case vat.StatusUnreachable:
		return fmt.Errorf("vat check: VIES could not be asked about %s; try again later", out.Number)
	}
	return nil
}

// parseOneArg parses args, where flags may come before and after the one
// positional argument, and returns that argument.
func parseOneArg(fs *flag.FlagSet, args []string, name string) (string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", errHelp
			}
			return "", usagef("%s: %v", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(positional) == 0 || strings.TrimSpace(positional[0]) == "":
		return "", usagef("%s: missing %s; for example: %s DE136695976", fs.Name(), name, fs.Name())
	case len(positional) > 1:
		return "", usagef("%s: unexpected argument %q; give one %s (quote it if it has spaces)", fs.Name(), positional[1], name)
	}
	return positional[0], nil
}

// isTwoLetters reports whether s is two ASCII letters.
func isTwoLetters(s string) bool {
	return len(s) == 2 && strings.Trim(strings.ToUpper(s), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// vatOutput describes a result for the terminal and --json.
func vatOutput(input string, res vat.Result) vatJSON {
	out := vatJSON{Input: input, Number: res.Number, Result: string(res.Status), Valid: res.Valid, Source: res.Source,
		Name: res.Name, Address: res.Address}
	if out.Number == "" {
		out.Number = strings.TrimSpace(input)
	}
	if res.Reason != nil {
		out.Reason, out.Message = string(res.Reason.Reason), res.Reason.Message
	}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	if !res.RequestDate.IsZero() {
		out.RequestDate = res.RequestDate.UTC().Format(time.RFC3339)
	}
	return out
}

// printVAT prints a result as text.
func printVAT(e env, out vatJSON, mode string) {
	switch vat.Status(out.Result) {
	case vat.StatusValid:
		fmt.Fprintf(e.stdout, "%s: valid (checked by %s)\n", out.Number, out.Source)
	case vat.StatusInvalid:
		fmt.Fprintf(e.stdout, "%s: invalid (%s, checked by %s): %s\n", out.Number, out.Reason, out.Source, out.Message)
	case vat.StatusUnreachable:
		fmt.Fprintf(e.stdout, "%s: unreachable: VIES gave no answer (%s); the number is not known to be invalid\n", out.Number, out.Error)
	default:
		fmt.Fprintf(e.stdout, "%s: not checked (vat.mode is %s)\n", out.Number, mode)
	}
	for _, f := range []struct{ label, value string }{{"name", out.Name}, {"address", out.Address}, {"checked at", out.RequestDate}} {
		if f.value != "" {
			fmt.Fprintf(e.stdout, "  %s: %s\n", f.label, f.value)
		}
	}
}
