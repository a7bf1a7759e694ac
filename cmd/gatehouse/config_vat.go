package main

import (
	"fmt"
	"net/url"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/vat"
)

// VATConfig sets how the VAT numbers of business accounts are checked
// (REQUIREMENTS.md section 8).
type VATConfig struct {
	// Mode is "off" (no check), "syntax" (the national syntax and check
	// digits) or "vies" (those, then the EU's VIES service).
	Mode string `yaml:"mode"`
	// VIESURL is the base URL of the VIES REST API.
	VIESURL string `yaml:"vies_url"`
	// Timeout bounds one VIES call.
	Timeout time.Duration `yaml:"timeout"`
}

// defaultVAT returns the VAT defaults.
func defaultVAT() VATConfig {
	return VATConfig{Mode: string(vat.ModeSyntax), VIESURL: vat.DefaultVIESURL, Timeout: vat.DefaultTimeout}
}

// maxVIESTimeout is the longest vat.timeout allowed: a registration waits
// for the answer.
const maxVIESTimeout = time.Minute

// vatProblems validates the vat section.
func (c Config) vatProblems() []string {
	v := c.VAT
	_, modeErr := vat.ParseMode(v.Mode)
	u, urlErr := url.Parse(v.VIESURL)
	checks := []struct {
		bad bool
		msg string
	}{
		{modeErr != nil, fmt.Sprintf("vat.mode: %q is not one of off, syntax, vies", v.Mode)},
		{urlErr != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" || u.User != nil || u.RawQuery != "" || u.Fragment != "",
			fmt.Sprintf("vat.vies_url: %q is not an https URL without a query, like %s", v.VIESURL, vat.DefaultVIESURL)},
		{urlErr == nil && u.Scheme == "http" && !iam.IsLoopbackHost(u.Hostname()) && !c.Server.Dev,
			fmt.Sprintf("vat.vies_url: %q: http is only allowed for localhost, or with server.dev: true", v.VIESURL)},
		{v.Timeout <= 0 || v.Timeout > maxVIESTimeout, fmt.Sprintf("vat.timeout: %v must be positive and at most %v", v.Timeout, maxVIESTimeout)},
	}
	var problems []string
	for _, ch := range checks {
		if ch.bad {
			problems = append(problems, ch.msg)
		}
	}
	return problems
}

// validator returns the VAT validator the configuration describes; call
// it on a validated configuration.
func (v VATConfig) validator() vat.Validator {
	mode, _ := vat.ParseMode(v.Mode)
	return vat.Validator{Mode: mode, Client: &vat.Client{BaseURL: v.VIESURL, Timeout: v.Timeout}}
}
