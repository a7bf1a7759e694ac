package main

import (
	"fmt"

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
}

// defaultKeys returns the signing defaults.
func defaultKeys() KeysConfig {
	return KeysConfig{AccessTokenAlg: provider.DefaultAccessTokenAlg, IDTokenAlg: provider.DefaultIDTokenAlg}
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
	return problems
}
