package login

import (
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Authentication method references (RFC 8176) and context classes. The
// values match package mfa, which owns them once second factors exist.
const (
	amrPassword = "pwd"
	amrMFA      = "mfa"

	// ACRPassword is the level of a sign-in with a password alone.
	ACRPassword = "urn:gatehouse:acr:pwd"
	// ACRMFA is the level of a password and a second factor.
	ACRMFA = "urn:gatehouse:acr:mfa"
	// ACRPhishingResistant is the level of a WebAuthn sign-in.
	ACRPhishingResistant = "phr"
)

// acrLevel ranks an acr value, weakest first; 0 is unknown.
func acrLevel(acr string) int {
	switch acr {
	case ACRPassword:
		return 1
	case ACRMFA:
		return 2
	case ACRPhishingResistant:
		return 3
	}
	return 0
}

// acrSatisfied reports whether a session at level acr meets acr_values:
// true when none were asked for, or when at least one requested value is
// a level Gatehouse knows and acr is at least that level. A request that
// asks only for unknown levels is never met by an existing session.
func acrSatisfied(acr string, acrValues []string) bool {
	if len(acrValues) == 0 {
		return true
	}
	have := acrLevel(acr)
	for _, v := range acrValues {
		if l := acrLevel(v); l > 0 && have >= l {
			return true
		}
	}
	return false
}

// Prompt values (OIDC Core 3.1.2.1).
const (
	promptNone  = "none"
	promptLogin = "login"
)

// reusable reports whether a valid session s may answer ar without a new
// authentication at now: the request does not force a login, the session's
// authentication is recent enough for max_age, it is the user named by
// id_token_hint, and it meets acr_values.
func reusable(ar storage.AuthRequest, s storage.Session, now time.Time) bool {
	if slices.Contains(ar.Prompt, promptLogin) {
		return false
	}
	if ar.MaxAge != nil && now.Sub(s.AuthTime) > maxAge(*ar.MaxAge) {
		return false
	}
	if ar.HintSubject != "" && ar.HintSubject != s.UserID {
		return false
	}
	return acrSatisfied(s.ACR, ar.ACRValues)
}

// maxAge converts max_age seconds to a duration without overflow.
func maxAge(seconds int64) time.Duration {
	const limit = int64(100 * 365 * 24 * time.Hour / time.Second)
	return time.Duration(min(max(seconds, 0), limit)) * time.Second
}
