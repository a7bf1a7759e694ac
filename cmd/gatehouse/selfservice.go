package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// LimitsConfig holds the per-client-IP rate limits (REQUIREMENTS.md
// section 4): token buckets refilling the given number of requests a
// minute, with a burst of the same number, except the failure bucket,
// which has a burst and a refill of its own. Zero turns a limit off.
// config.example.yaml explains the defaults.
type LimitsConfig struct {
	// SignInPerMinute limits every e-mail and password POST (a flood guard).
	SignInPerMinute int `yaml:"sign_in_per_minute"`
	// CodePerMinute limits every second-factor POST and code resend (a
	// flood guard).
	CodePerMinute int `yaml:"code_per_minute"`
	// FailuresBurst is how many failed passwords and codes an address may
	// have at once before its attempts are refused.
	FailuresBurst int `yaml:"failures_burst"`
	// FailuresPerMinute is how many failures an address earns back a
	// minute.
	FailuresPerMinute int `yaml:"failures_per_minute"`
	// AuthorizePerMinute limits the provider's /authorize requests.
	AuthorizePerMinute int `yaml:"authorize_per_minute"`
	// RegistrationPerMinute limits the registration POSTs.
	RegistrationPerMinute int `yaml:"registration_per_minute"`
	// RegistrationCodesPerAddressPerHour limits the verification codes
	// sent to one address, whoever asks.
	RegistrationCodesPerAddressPerHour int `yaml:"registration_codes_per_address_per_hour"`
	// ResetPerMinute limits "Forgot password?" and the reset form.
	ResetPerMinute int `yaml:"reset_per_minute"`
}

// RegistrationConfig controls self-registration.
type RegistrationConfig struct {
	// Enabled offers "Create an account" on the sign-in page.
	Enabled bool `yaml:"enabled"`
}

// defaultLimits returns regulate's default limits as config counts.
func defaultLimits() LimitsConfig {
	d := regulate.DefaultLimits()
	return LimitsConfig{
		SignInPerMinute:                    d.SignIn.Burst,
		CodePerMinute:                      d.Code.Burst,
		FailuresBurst:                      d.Failures.Burst,
		FailuresPerMinute:                  int(math.Round(d.Failures.Rate * 60)),
		AuthorizePerMinute:                 d.Authorize.Burst,
		RegistrationPerMinute:              d.Registration.Burst,
		RegistrationCodesPerAddressPerHour: d.RegistrationSends.Burst,
		ResetPerMinute:                     d.Reset.Burst,
	}
}

// limits returns the configured limits.
func (c LimitsConfig) limits() regulate.Limits {
	return regulate.Limits{
		SignIn:            regulate.PerMinute(c.SignInPerMinute),
		Code:              regulate.PerMinute(c.CodePerMinute),
		Failures:          regulate.Limit{Rate: float64(c.FailuresPerMinute) / 60, Burst: c.FailuresBurst},
		Authorize:         regulate.PerMinute(c.AuthorizePerMinute),
		Registration:      regulate.PerMinute(c.RegistrationPerMinute),
		RegistrationSends: regulate.Limit{Rate: float64(c.RegistrationCodesPerAddressPerHour) / 3600, Burst: c.RegistrationCodesPerAddressPerHour},
		Reset:             regulate.PerMinute(c.ResetPerMinute),
	}
}

// limitAuthorize returns the provider's AuthorizeGuard: a per-IP limit on
// /authorize, which stores an auth request each time. A limited request
// gets 429 with Retry-After from limited (the styled "Too many attempts"
// page), never a redirect to the relying party.
func limitAuthorize(l *regulate.Limiter, proxies []netip.Prefix, limited http.Handler) func(http.Handler) http.Handler {
	key := func(r *http.Request) string { return regulate.KeyForRequest(r, proxies) }
	return l.Middleware(key, limited)
}

// parseProxies parses server.trusted_proxies: comma-separated CIDRs or
// single addresses.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// selfServiceProblems validates the limits, registration and proxy keys.
func (c Config) selfServiceProblems() []string {
	var problems []string
	for _, l := range []struct {
		key string
		n   int
	}{
		{"limits.sign_in_per_minute", c.Limits.SignInPerMinute},
		{"limits.code_per_minute", c.Limits.CodePerMinute},
		{"limits.failures_burst", c.Limits.FailuresBurst},
		{"limits.failures_per_minute", c.Limits.FailuresPerMinute},
		{"limits.authorize_per_minute", c.Limits.AuthorizePerMinute},
		{"limits.registration_per_minute", c.Limits.RegistrationPerMinute},
		{"limits.registration_codes_per_address_per_hour", c.Limits.RegistrationCodesPerAddressPerHour},
		{"limits.reset_per_minute", c.Limits.ResetPerMinute},
	} {
		if l.n < 0 || l.n > 100000 {
			problems = append(problems, fmt.Sprintf("%s: %d is not between 0 (off) and 100000", l.key, l.n))
		}
	}
	if (c.Limits.FailuresBurst == 0) != (c.Limits.FailuresPerMinute == 0) {
		problems = append(problems, fmt.Sprintf("limits.failures_burst and limits.failures_per_minute: set both (now %d and %d), or both to 0 to turn the failure limit off",
			c.Limits.FailuresBurst, c.Limits.FailuresPerMinute))
	}
	if _, err := parseProxies(c.Server.TrustedProxies); err != nil {
		problems = append(problems, fmt.Sprintf("server.trusted_proxies: %v; write CIDRs separated by commas, like 10.0.0.0/8, ::1", err))
	}
	return problems
}

// selfService builds the self-service dependencies of the hosted pages:
// the per-user brute-force counter on the store, the per-IP limiters,
// password resets and registration.
func (c Config) selfService(store storage.Store, now func() time.Time) (login.SelfService, error) {
	proxies, err := parseProxies(c.Server.TrustedProxies)
	if err != nil {
		return login.SelfService{}, fmt.Errorf("server.trusted_proxies: %w", err)
	}
	return login.SelfService{
		Regulator:      regulate.New(store, regulate.DefaultPolicy(), now),
		Limiters:       c.Limits.limits().NewLimiters(now),
		TrustedProxies: proxies,
		PasswordResets: store,
		Registration:   c.Registration.Enabled,
	}, nil
}

// limiterSweepInterval is how often the janitor forgets refilled buckets.
const limiterSweepInterval = time.Minute

// sweepLimiters runs Limiters.Sweep every interval until ctx ends, so that
// a burst of distinct clients does not keep memory.
func sweepLimiters(ctx context.Context, lm regulate.Limiters, interval time.Duration, now func() time.Time, logger *slog.Logger) {
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := lm.Sweep(now()); n > 0 {
				logger.Debug("swept rate-limit buckets", "count", n)
			}
		}
	}
}
