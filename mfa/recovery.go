package mfa

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Recovery code format: RecoveryCodeCount codes of three groups of five
// characters from Crockford's base32 alphabet (no i, l, o or u), 75 bits
// each, shown as "xxxxx-xxxxx-xxxxx".
const (
	RecoveryCodeCount = 10
	recoveryGroups    = 3
	recoveryGroupLen  = 5
	recoveryLen       = recoveryGroups * recoveryGroupLen
	recoveryAlphabet  = "0123456789abcdefghjkmnpqrstvwxyz"
)

// NewRecoveryCodes returns RecoveryCodeCount fresh recovery codes: plain to
// show the user once, and codes to store (SHA-256 digests; the codes carry
// 75 bits, so no key or salt is needed). They replace any earlier codes.
func NewRecoveryCodes() (plain []string, codes []storage.RecoveryCode) {
	plain = make([]string, RecoveryCodeCount)
	codes = make([]storage.RecoveryCode, RecoveryCodeCount)
	b := make([]byte, recoveryLen)
	for i := range plain {
		rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
		var sb strings.Builder
		for j, x := range b {
			if j > 0 && j%recoveryGroupLen == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[x&31]) // 256 is a multiple of 32: uniform
		}
		plain[i] = sb.String()
		n, _ := normalizeRecovery(plain[i])
		codes[i] = storage.RecoveryCode{Hash: secret.Digest(n)}
	}
	return plain, codes
}

// normalizeRecovery lowercases s, drops dashes and white space, maps the
// look-alikes o to 0 and i and l to 1, and reports whether the result has
// the length and alphabet of a recovery code.
func normalizeRecovery(s string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case '-', ' ', '\t', '\n', '\r':
			continue
		case 'o':
			r = '0'
		case 'i', 'l':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(recoveryAlphabet, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	if sb.Len() != recoveryLen {
		return "", false
	}
	return sb.String(), true
}

// UseRecoveryCode spends one recovery code as the second factor and returns
// how many unused codes remain. Input is normalised (case, dashes, spaces,
// look-alike letters) and compared in constant time with every stored code.
// It returns ErrMalformedCode, ErrWrongCode or ErrUsed; a wrong or used code
// is recorded as a failure (see AttemptPolicy), so the caller must store st
// even when UseRecoveryCode fails.
func UseRecoveryCode(st *storage.MFAState, input string, now time.Time) (remaining int, err error) {
	n, ok := normalizeRecovery(input)
	if !ok {
		return RemainingRecoveryCodes(st), ErrMalformedCode
	}
	d := secret.Digest(n)
	found := -1
	for i, c := range st.RecoveryCodes {
		if subtle.ConstantTimeCompare(c.Hash, d) == 1 && found < 0 {
			found = i
		}
	}
	switch {
	case found < 0:
		recordFailure(st, now)
		return RemainingRecoveryCodes(st), ErrWrongCode
	case !st.RecoveryCodes[found].UsedAt.IsZero():
		recordFailure(st, now)
		return RemainingRecoveryCodes(st), fmt.Errorf("recovery code used at %s: %w",
			st.RecoveryCodes[found].UsedAt.Format(time.RFC3339), ErrUsed)
	}
	st.RecoveryCodes[found].UsedAt = now.UTC()
	return RemainingRecoveryCodes(st), nil
}

// RemainingRecoveryCodes returns how many of the user's recovery codes are
// unused.
func RemainingRecoveryCodes(st *storage.MFAState) int {
	n := 0
	for _, c := range st.RecoveryCodes {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n
}
