package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token returns a URL-safe random string carrying nbytes of entropy from
// crypto/rand (nbytes*8 bits). Use at least 32 bytes for secrets.
func Token(nbytes int) string {
	b := make([]byte, nbytes)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ID returns prefix followed by 26 lowercase base32 characters (130 bits of
// which 128 are random), for example "usr_" + "k3...". IDs contain no colon,
// so they are safe inside opaque tokens.
func ID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + lowerBase32.EncodeToString(b)
}

// Digest returns the SHA-256 digest of s.
func Digest(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// DigestHex returns the SHA-256 digest of s in lowercase hex, used as a
// storage key for tokens that are never stored in clear.
func DigestHex(s string) string {
	return hex.EncodeToString(Digest(s))
}

// Equal reports whether the SHA-256 digest of s equals digest, in constant
// time.
func Equal(digest []byte, s string) bool {
	return len(digest) == sha256.Size && subtle.ConstantTimeCompare(digest, Digest(s)) == 1
}

// EqualStrings compares two strings in constant time (for their content;
// the length may leak).
func EqualStrings(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Digits returns n random decimal digits from crypto/rand, uniformly
// distributed (used for one-time codes).
func Digits(n int) string {
	var sb strings.Builder
	b := make([]byte, 1)
	for sb.Len() < n {
		rand.Read(b)
		if b[0] >= 250 { // reject to keep the distribution uniform
			continue
		}
		sb.WriteByte('0' + b[0]%10)
	}
	return sb.String()
}
