package login

import (
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Prompt values (OIDC Core 3.1.2.1).
const (
	promptNone  = "none"
	promptLogin = "login"
)

// reusable reports whether a valid session s may answer ar without a new
// authentication at now: the request does not force a login, the session's
// authentication is recent enough for max_age, it is the user named by
// id_token_hint, and its acr meets acr_values (mfa.Satisfies: a request
// that names only levels the session's acr cannot meet, or only unknown
// levels, is not answered from the session).
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
	return mfa.Satisfies(s.ACR, ar.ACRValues)
}

// maxAge converts max_age seconds to a duration without overflow.
func maxAge(seconds int64) time.Duration {
	const limit = int64(100 * 365 * 24 * time.Hour / time.Second)
	return time.Duration(min(max(seconds, 0), limit)) * time.Second
}
