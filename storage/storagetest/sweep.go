package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var sweepTests = []test{
	{"DeleteExpired", testDeleteExpired},
}

// testDeleteExpired seeds one store with records on both sides of the
// expiry boundary (ExpiresAt equal to now is expired; LastSeenAt equal to
// idleBefore is not idle) and checks the exact counts.
func testDeleteExpired(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := at(time.Hour) // the access tokens of issue() expire exactly now
	idleBefore := at(30 * time.Minute)
	live := now.Add(time.Microsecond)

	// Auth requests: ar_exp expires; the others carry codes and live.
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_exp", now)))
	for _, id := range []string{"ar_c1", "ar_c2", "ar_c3"} {
		must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest(id, live)))
	}
	// Codes: code_exp expires unredeemed, code_red expires redeemed,
	// code_live lives.
	for _, c := range []storage.AuthCode{
		{Hash: []byte("code_exp"), AuthRequestID: "ar_c1", ExpiresAt: now},
		{Hash: []byte("code_live"), AuthRequestID: "ar_c2", ExpiresAt: live},
		{Hash: []byte("code_red"), AuthRequestID: "ar_c3", ExpiresAt: now},
	} {
		must(t, "SaveAuthCode", s.SaveAuthCode(ctx, c))
	}

	// Tokens: at_1 and at_2 expire now; rt_1 is a used tombstone that
	// expires now, rt_3 expires now unused; rt_2, at_3 and at_4 live.
	iss1 := redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), []byte("code_red"))
	iss1.Refresh.ExpiresAt = now
	must(t, "IssueTokens(redeem)", s.IssueTokens(ctx, iss1, at(0)))
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, rotate(issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1"), "rt_1"), at(0)))
	iss3 := issue("at_3", "rt_3", "fam_3", "cli_1", "usr_1")
	iss3.Access.ExpiresAt, iss3.Refresh.ExpiresAt = at(2*time.Hour), now
	must(t, "IssueTokens", s.IssueTokens(ctx, iss3, at(0)))
	iss4 := issue("at_4", "", "", "cli_1", "cli_1")
	iss4.Access.ExpiresAt = at(2 * time.Hour)
	must(t, "IssueTokens", s.IssueTokens(ctx, iss4, at(0)))

	// Sessions: expired, idle, and live on both boundaries.
	sesExp := fullSession("ses_exp", "usr_1", at(0))
	sesExp.ExpiresAt, sesExp.LastSeenAt = now, now
	sesIdle := fullSession("ses_idle", "usr_1", at(0))
	sesIdle.LastSeenAt, sesIdle.ExpiresAt = idleBefore.Add(-time.Microsecond), live
	sesLive := fullSession("ses_live", "usr_1", at(0))
	sesLive.LastSeenAt, sesLive.ExpiresAt = idleBefore, live
	for _, x := range []storage.Session{sesExp, sesIdle, sesLive} {
		must(t, "CreateSession", s.CreateSession(ctx, x))
	}

	must(t, "CreateLogout", s.CreateLogout(ctx, fullLogout("lo_exp", now)))
	must(t, "CreateLogout", s.CreateLogout(ctx, fullLogout("lo_live", live)))

	// One-time code challenges and WebAuthn ceremony sessions: one on
	// each side of the boundary, and one taken before the sweep.
	must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, fullOTPChallenge("otp_exp", now)))
	must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, fullOTPChallenge("otp_live", live)))
	for _, w := range []storage.WebAuthnSession{
		fullWebAuthnSession("was_exp", now), fullWebAuthnSession("was_live", live), fullWebAuthnSession("was_taken", at(0)),
	} {
		must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, w))
	}
	_, err := s.TakeWebAuthnSession(ctx, "was_taken", at(-time.Minute))
	must(t, "TakeWebAuthnSession(was_taken)", err)

	got, err := s.DeleteExpired(ctx, now, idleBefore)
	must(t, "DeleteExpired", err)
	want := storage.Swept{AuthRequests: 1, AuthCodes: 2, AccessTokens: 2, RefreshTokens: 2, Sessions: 2, Logouts: 1,
		OTPChallenges: 1, WebAuthnSessions: 1}
	if got != want {
		t.Fatalf("DeleteExpired() = %+v, want %+v", got, want)
	}
	if got.Total() != 12 {
		t.Fatalf("Swept.Total() = %d, want 12", got.Total())
	}

	_, err = s.GetAuthRequest(ctx, "ar_exp")
	checkErr(t, "GetAuthRequest(expired)", err, storage.ErrNotFound)
	for _, id := range []string{"ar_c1", "ar_c2"} {
		_, err = s.GetAuthRequest(ctx, id)
		must(t, "GetAuthRequest("+id+")", err)
	}
	for _, h := range []string{"code_exp", "code_red"} {
		_, err = s.GetAuthCode(ctx, []byte(h))
		checkErr(t, "GetAuthCode("+h+")", err, storage.ErrNotFound)
	}
	_, err = s.GetAuthCode(ctx, []byte("code_live"))
	must(t, "GetAuthCode(code_live)", err)
	gone(t, s, []string{"at_1", "at_2"}, []string{"rt_1", "rt_3"})
	present(t, s, []string{"at_3", "at_4"}, []string{"rt_2"})
	list, err := s.ListUserSessions(ctx, "usr_1")
	must(t, "ListUserSessions", err)
	checkEqual(t, "ListUserSessions after DeleteExpired", list, []storage.Session{sesLive})
	_, err = s.GetLogout(ctx, "lo_exp")
	checkErr(t, "GetLogout(expired)", err, storage.ErrNotFound)
	_, err = s.GetLogout(ctx, "lo_live")
	must(t, "GetLogout(live)", err)
	_, err = s.GetOTPChallenge(ctx, "otp_exp")
	checkErr(t, "GetOTPChallenge(expired)", err, storage.ErrNotFound)
	_, err = s.GetOTPChallenge(ctx, "otp_live")
	must(t, "GetOTPChallenge(live)", err)
	_, err = s.TakeWebAuthnSession(ctx, "was_exp", at(0))
	checkErr(t, "TakeWebAuthnSession(expired)", err, storage.ErrNotFound)

	// Indexes were cleaned with the records: the family still revokes its
	// live member, the request of a swept code takes a new code.
	must(t, "RevokeRefreshFamily(fam_1)", s.RevokeRefreshFamily(ctx, "fam_1"))
	gone(t, s, nil, []string{"rt_2"})
	must(t, "SaveAuthCode(after sweep)", s.SaveAuthCode(ctx, storage.AuthCode{Hash: []byte("code_new"), AuthRequestID: "ar_c1", ExpiresAt: live}))

	_, err = s.TakeWebAuthnSession(ctx, "was_live", at(0))
	must(t, "TakeWebAuthnSession(live)", err)

	got, err = s.DeleteExpired(ctx, now, idleBefore)
	must(t, "DeleteExpired(again)", err)
	if got != (storage.Swept{}) {
		t.Fatalf("DeleteExpired(again) = %+v, want nothing swept", got)
	}
	if got.Total() != 0 {
		t.Fatalf("Swept.Total() = %d, want 0", got.Total())
	}
}
