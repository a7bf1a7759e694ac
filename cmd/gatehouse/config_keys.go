package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/provider"
)

// KeysConfig chooses the signing algorithms of tokens (issue 13): access
// tokens, which the relying party's API verifies on every call, default
// to ES256, about twenty times cheaper to sign than RS256; ID tokens of
// clients that registered no algorithm stay RS256, which OpenID Connect
// requires then.
type KeysConfig struct {
	// AccessTokenAlg signs every JWT access token: RS256, ES256 or EdDSA.
	AccessTokenAlg string `yaml:"access_token_alg"`
	// IDTokenAlg signs the ID tokens of clients without a registered
	// algorithm: RS256, ES256 or EdDSA.
	IDTokenAlg string `yaml:"id_token_alg"`
	// RotationPeriod is how long each signing key signs before the next
	// one takes over (issue 14).
	RotationPeriod time.Duration `yaml:"rotation_period"`
	// PublishAhead is how long the next key is in the JWKS before it
	// signs anything.
	PublishAhead time.Duration `yaml:"publish_ahead"`
	// IDTokenHintWindow is how long after its expiry an ID token still
	// verifies as an id_token_hint: a retired key stays published for the
	// longest token lifetime plus this window.
	IDTokenHintWindow time.Duration `yaml:"id_token_hint_window"`
}

// Bounds of the rotation settings.
const (
	minKeyRotationPeriod = time.Hour
	minKeyPublishAhead   = time.Minute
)

// defaultKeys returns the signing defaults.
func defaultKeys() KeysConfig {
	return KeysConfig{AccessTokenAlg: provider.DefaultAccessTokenAlg, IDTokenAlg: provider.DefaultIDTokenAlg,
		RotationPeriod: provider.DefaultKeyRotationPeriod, PublishAhead: provider.DefaultKeyPublishAhead,
		IDTokenHintWindow: provider.DefaultIDTokenHintWindow}
}

// keyPolicy returns the rotation schedule: a retired key stays published
// for the longest lifetime of a token it may have signed (an access or ID
// token, or an API client's token, up to 24 months) plus the
// id_token_hint window.
func (c Config) keyPolicy() provider.KeyPolicy {
	longest := max(c.Tokens.AccessTokenLifetime, c.Tokens.IDTokenLifetime, slices.Max(iam.APIClientLifetimes))
	return provider.KeyPolicy{RotationPeriod: c.Keys.RotationPeriod, PublishAhead: c.Keys.PublishAhead,
		Retain: longest + c.Keys.IDTokenHintWindow}
}

// keysProblems validates the keys section.
func (c Config) keysProblems() []string {
	var problems []string
	for _, k := range []struct{ key, alg string }{
		{"keys.access_token_alg", c.Keys.AccessTokenAlg}, {"keys.id_token_alg", c.Keys.IDTokenAlg},
	} {
		if !provider.SupportedAlg(k.alg) {
			problems = append(problems, fmt.Sprintf("%s: %q is not one of RS256, ES256, EdDSA", k.key, k.alg))
		}
	}
	k := c.Keys
	switch {
	case k.RotationPeriod < minKeyRotationPeriod:
		problems = append(problems, fmt.Sprintf("keys.rotation_period: %s is shorter than %s; the default is 2160h (90 days)", k.RotationPeriod, minKeyRotationPeriod))
	case k.PublishAhead < minKeyPublishAhead || k.PublishAhead >= k.RotationPeriod:
		problems = append(problems, fmt.Sprintf("keys.publish_ahead: %s must be at least %s and shorter than keys.rotation_period (%s); the default is 24h", k.PublishAhead, minKeyPublishAhead, k.RotationPeriod))
	}
	if k.IDTokenHintWindow < 0 {
		problems = append(problems, fmt.Sprintf("keys.id_token_hint_window: %s is negative; use 0 to honour no expired id_token_hint beyond the token lifetimes", k.IDTokenHintWindow))
	}
	return problems
}
