package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var tokenTests = []test{
	{"TokenRoundTrip", testTokenRoundTrip},
	{"TokenNotFound", testTokenNotFound},
	{"IssueTokensAlreadyExistsWritesNothing", testIssueTokensAlreadyExists},
	{"CodeRedeemedOnce", testCodeRedeemedOnce},
	{"CodeReuseRevokesTokens", testCodeReuseRevokes},
	{"CodeReuseRevokesRotatedFamily", testCodeReuseRevokesRotated},
	{"CodeMissingOrExpired", testCodeMissingOrExpired},
	{"IssueTokensAllOrNothing", testIssueTokensAllOrNothing},
	{"RefreshRotation", testRefreshRotation},
	{"RefreshReuseRevokesFamily", testRefreshReuse},
	{"RefreshMissingOrExpired", testRefreshMissingOrExpired},
	{"RevokeAccessToken", testRevokeAccessToken},
	{"RevokeRefreshFamily", testRevokeRefreshFamily},
	{"RevokeUserTokens", testRevokeUserTokens},
	{"DenyTokenUntilExpiry", testDenyToken},
}

// testDenyToken denies self-contained tokens: a denied jti is reported
// until the sweep after its expiry, a second denial keeps the later
// expiry, and other jtis are not denied.
func testDenyToken(t *testing.T, s storage.Store) {
	ctx := context.Background()
	if denied, err := s.TokenDenied(ctx, "atj_1"); err != nil || denied {
		t.Fatalf("TokenDenied(never denied) = %v, %v; want false", denied, err)
	}
	must(t, "DenyToken", s.DenyToken(ctx, "atj_1", at(time.Hour)))
	must(t, "DenyToken(again, earlier)", s.DenyToken(ctx, "atj_1", at(time.Minute)))
	must(t, "DenyToken(other)", s.DenyToken(ctx, "atj_2", at(time.Minute)))
	if err := s.DenyToken(ctx, "", at(time.Hour)); err == nil {
		t.Fatal("DenyToken(empty jti) succeeded, want an error")
	}
	for _, tt := range []struct {
		jti  string
		want bool
	}{{"atj_1", true}, {"atj_2", true}, {"atj_3", false}} {
		if denied, err := s.TokenDenied(ctx, tt.jti); err != nil || denied != tt.want {
			t.Fatalf("TokenDenied(%s) = %v, %v; want %v", tt.jti, denied, err, tt.want)
		}
	}
	swept, err := s.DeleteExpired(ctx, at(30*time.Minute), at(0))
	must(t, "DeleteExpired", err)
	if swept.DeniedTokens != 1 {
		t.Fatalf("DeleteExpired swept %d denied tokens, want 1 (atj_2)", swept.DeniedTokens)
	}
	if denied, _ := s.TokenDenied(ctx, "atj_1"); !denied {
		t.Fatal("atj_1 was swept before its expiry (the later of its two denials)")
	}
	if denied, _ := s.TokenDenied(ctx, "atj_2"); denied {
		t.Fatal("atj_2 is still denied after the sweep past its expiry")
	}
}

func testTokenRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	iss := issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1")
	must(t, "IssueTokens", s.IssueTokens(ctx, iss, at(0)))
	gotAT, err := s.GetAccessToken(ctx, "at_1")
	must(t, "GetAccessToken", err)
	checkEqual(t, "GetAccessToken", gotAT, iss.Access)

	want := *iss.Refresh
	want.UsedAt = at(time.Second) // UsedAt is stored as given, too
	iss2 := issue("at_2", "rt_2", "fam_2", "cli_1", "usr_1")
	iss2.Refresh = &want
	want.ID, want.FamilyID, want.AccessTokenID = "rt_2", "fam_2", "at_2"
	must(t, "IssueTokens", s.IssueTokens(ctx, iss2, at(0)))
	gotRT, err := s.GetRefreshToken(ctx, "rt_2")
	must(t, "GetRefreshToken", err)
	checkEqual(t, "GetRefreshToken", gotRT, want)

	// client_credentials: an access token alone.
	cc := issue("at_cc", "", "", "cli_2", "cli_2")
	cc.Access.AuthTime, cc.Access.AMR, cc.Access.ACR, cc.Access.SessionID = time.Time{}, nil, "", ""
	must(t, "IssueTokens(access only)", s.IssueTokens(ctx, cc, at(0)))
	gotAT, err = s.GetAccessToken(ctx, "at_cc")
	must(t, "GetAccessToken(at_cc)", err)
	checkEqual(t, "GetAccessToken(at_cc)", gotAT, cc.Access)
}

func testTokenNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetAccessToken(ctx, "at_missing")
	checkErr(t, "GetAccessToken(missing)", err, storage.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, "rt_missing")
	checkErr(t, "GetRefreshToken(missing)", err, storage.ErrNotFound)
}

func testIssueTokensAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), at(0)))
	tests := []struct {
		name string
		iss  storage.Issue
		kept string // the access token ID that must not have been stored
	}{
		{"access token ID taken", issue("at_1", "rt_new", "fam_2", "cli_1", "usr_1"), ""},
		{"refresh token ID taken", issue("at_new", "rt_1", "fam_2", "cli_1", "usr_1"), "at_new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, "IssueTokens", s.IssueTokens(ctx, tt.iss, at(0)), storage.ErrAlreadyExists)
			if tt.kept != "" {
				_, err := s.GetAccessToken(ctx, tt.kept)
				checkErr(t, "GetAccessToken(of the refused issue)", err, storage.ErrNotFound)
			}
			_, err := s.GetRefreshToken(ctx, "rt_new")
			checkErr(t, "GetRefreshToken(of the refused issue)", err, storage.ErrNotFound)
		})
	}
}

// newCode stores an auth request and a code for it that expires at exp.
func newCode(t *testing.T, s storage.Store, arID, hash string, exp time.Time) []byte {
	t.Helper()
	ctx := context.Background()
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest(arID, exp)))
	c := storage.AuthCode{Hash: []byte(hash), AuthRequestID: arID, ExpiresAt: exp}
	must(t, "SaveAuthCode", s.SaveAuthCode(ctx, c))
	return c.Hash
}

// gone fails unless every named access and refresh token is missing.
func gone(t *testing.T, s storage.Store, accessIDs, refreshIDs []string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range accessIDs {
		_, err := s.GetAccessToken(ctx, id)
		checkErr(t, "GetAccessToken("+id+")", err, storage.ErrNotFound)
	}
	for _, id := range refreshIDs {
		_, err := s.GetRefreshToken(ctx, id)
		checkErr(t, "GetRefreshToken("+id+")", err, storage.ErrNotFound)
	}
}

// present fails unless every named access and refresh token exists.
func present(t *testing.T, s storage.Store, accessIDs, refreshIDs []string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range accessIDs {
		_, err := s.GetAccessToken(ctx, id)
		must(t, "GetAccessToken("+id+")", err)
	}
	for _, id := range refreshIDs {
		_, err := s.GetRefreshToken(ctx, id)
		must(t, "GetRefreshToken("+id+")", err)
	}
}

func testCodeRedeemedOnce(t *testing.T, s storage.Store) {
	ctx := context.Background()
	hash := newCode(t, s, "ar_1", "code-1", at(time.Minute))
	now := at(10 * time.Second)
	must(t, "IssueTokens(redeem)", s.IssueTokens(ctx, redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), hash), now))
	got, err := s.GetAuthCode(ctx, hash)
	must(t, "GetAuthCode", err)
	want := storage.AuthCode{
		Hash: hash, AuthRequestID: "ar_1", ExpiresAt: at(time.Minute),
		RedeemedAt: now, AccessTokenID: "at_1", RefreshFamilyID: "fam_1",
	}
	checkEqual(t, "GetAuthCode after redemption", got, want)
	present(t, s, []string{"at_1"}, []string{"rt_1"})
	if _, err := s.GetAuthRequest(ctx, "ar_1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetAuthRequest after redemption: err = %v, want ErrNotFound (deleted with the redemption)", err)
	}
	must(t, "DeleteAuthRequest after redemption", s.DeleteAuthRequest(ctx, "ar_1"))
}

func testCodeReuseRevokes(t *testing.T, s storage.Store) {
	ctx := context.Background()
	hash := newCode(t, s, "ar_1", "code-1", at(time.Minute))
	// An unrelated family of the same user must survive.
	must(t, "IssueTokens(other)", s.IssueTokens(ctx, issue("at_o", "rt_o", "fam_o", "cli_1", "usr_1"), at(0)))
	must(t, "IssueTokens(redeem)", s.IssueTokens(ctx, redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), hash), at(0)))

	err := s.IssueTokens(ctx, redeem(issue("at_2", "rt_2", "fam_2", "cli_1", "usr_1"), hash), at(time.Second))
	checkErr(t, "IssueTokens(redeem again)", err, storage.ErrReused)
	gone(t, s, []string{"at_1", "at_2"}, []string{"rt_1", "rt_2"})
	present(t, s, []string{"at_o"}, []string{"rt_o"})

	// Every further presentation is refused too.
	err = s.IssueTokens(ctx, redeem(issue("at_3", "", "", "cli_1", "usr_1"), hash), at(2*time.Second))
	checkErr(t, "IssueTokens(redeem a third time)", err, storage.ErrReused)
	gone(t, s, []string{"at_3"}, nil)
}

func testCodeReuseRevokesRotated(t *testing.T, s storage.Store) {
	ctx := context.Background()
	hash := newCode(t, s, "ar_1", "code-1", at(time.Minute))
	must(t, "IssueTokens(redeem)", s.IssueTokens(ctx, redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), hash), at(0)))
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, rotate(issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1"), "rt_1"), at(time.Second)))
	present(t, s, []string{"at_2"}, []string{"rt_2"})

	err := s.IssueTokens(ctx, redeem(issue("at_3", "", "", "cli_1", "usr_1"), hash), at(2*time.Second))
	checkErr(t, "IssueTokens(redeem again)", err, storage.ErrReused)
	gone(t, s, []string{"at_1", "at_2", "at_3"}, []string{"rt_1", "rt_2"})
}

func testCodeMissingOrExpired(t *testing.T, s storage.Store) {
	ctx := context.Background()
	exp := at(time.Minute)
	hash := newCode(t, s, "ar_1", "code-1", exp)
	tests := []struct {
		name string
		hash []byte
		now  time.Time
	}{
		{"missing", []byte("no such code"), at(0)},
		{"expires now", hash, exp},
		{"expired", hash, exp.Add(time.Microsecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.IssueTokens(ctx, redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), tt.hash), tt.now)
			checkErr(t, "IssueTokens", err, storage.ErrNotFound)
			gone(t, s, []string{"at_1"}, []string{"rt_1"})
		})
	}
	got, err := s.GetAuthCode(ctx, hash)
	must(t, "GetAuthCode", err)
	if !got.RedeemedAt.IsZero() {
		t.Fatalf("GetAuthCode().RedeemedAt = %v after refused redemptions, want zero", got.RedeemedAt)
	}
	// Still redeemable before expiry.
	must(t, "IssueTokens(in time)", s.IssueTokens(ctx, redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), hash), exp.Add(-time.Microsecond)))
}

func testIssueTokensAllOrNothing(t *testing.T, s storage.Store) {
	ctx := context.Background()
	hash := newCode(t, s, "ar_1", "code-1", at(time.Minute))
	must(t, "IssueTokens(seed)", s.IssueTokens(ctx, issue("at_0", "rt_0", "fam_0", "cli_1", "usr_1"), at(0)))

	tests := []struct {
		name string
		iss  storage.Issue
		want error
	}{
		{"refresh token to rotate is missing", rotate(redeem(issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), hash), "rt_missing"), storage.ErrNotFound},
		{"new access token ID taken", rotate(redeem(issue("at_0", "rt_1", "fam_0", "cli_1", "usr_1"), hash), "rt_0"), storage.ErrAlreadyExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, "IssueTokens", s.IssueTokens(ctx, tt.iss, at(time.Second)), tt.want)
			code, err := s.GetAuthCode(ctx, hash)
			must(t, "GetAuthCode", err)
			if !code.RedeemedAt.IsZero() {
				t.Fatalf("GetAuthCode().RedeemedAt = %v after a failed IssueTokens, want zero", code.RedeemedAt)
			}
			rt, err := s.GetRefreshToken(ctx, "rt_0")
			must(t, "GetRefreshToken(rt_0)", err)
			if !rt.UsedAt.IsZero() {
				t.Fatalf("GetRefreshToken(rt_0).UsedAt = %v after a failed IssueTokens, want zero", rt.UsedAt)
			}
			gone(t, s, []string{"at_1"}, []string{"rt_1"})
		})
	}
}

// rotate returns iss with RotateRefresh set.
func rotate(iss storage.Issue, oldID string) storage.Issue {
	iss.RotateRefresh = oldID
	return iss
}

func testRefreshRotation(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), at(0)))
	now := at(time.Minute)
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, rotate(issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1"), "rt_1"), now))

	old, err := s.GetRefreshToken(ctx, "rt_1")
	must(t, "GetRefreshToken(rotated)", err)
	want := fullRefreshToken("rt_1", "fam_1", "cli_1", "usr_1", "at_1", at(24*time.Hour))
	want.UsedAt = now
	checkEqual(t, "GetRefreshToken(rotated)", old, want)
	next, err := s.GetRefreshToken(ctx, "rt_2")
	must(t, "GetRefreshToken(new)", err)
	if !next.UsedAt.IsZero() || next.FamilyID != "fam_1" {
		t.Fatalf("GetRefreshToken(new) = UsedAt %v family %q, want zero and fam_1", next.UsedAt, next.FamilyID)
	}
	// The access token issued with the rotated refresh token stays valid
	// until it expires or is revoked.
	present(t, s, []string{"at_1", "at_2"}, []string{"rt_2"})
	must(t, "IssueTokens(rotate again)", s.IssueTokens(ctx, rotate(issue("at_3", "rt_3", "fam_1", "cli_1", "usr_1"), "rt_2"), at(2*time.Minute)))
}

func testRefreshReuse(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), at(0)))
	must(t, "IssueTokens(other family)", s.IssueTokens(ctx, issue("at_o", "rt_o", "fam_o", "cli_1", "usr_1"), at(0)))
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, rotate(issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1"), "rt_1"), at(time.Second)))

	err := s.IssueTokens(ctx, rotate(issue("at_3", "rt_3", "fam_1", "cli_1", "usr_1"), "rt_1"), at(2*time.Second))
	checkErr(t, "IssueTokens(rotate a used token)", err, storage.ErrReused)
	gone(t, s, []string{"at_1", "at_2", "at_3"}, []string{"rt_1", "rt_2", "rt_3"})
	present(t, s, []string{"at_o"}, []string{"rt_o"})

	// The family is gone, so its live token is refused too.
	err = s.IssueTokens(ctx, rotate(issue("at_4", "rt_4", "fam_1", "cli_1", "usr_1"), "rt_2"), at(3*time.Second))
	checkErr(t, "IssueTokens(rotate a revoked token)", err, storage.ErrNotFound)
}

func testRefreshMissingOrExpired(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), at(0)))
	exp := at(24 * time.Hour)
	tests := []struct {
		name, id string
		now      time.Time
	}{
		{"missing", "rt_missing", at(0)},
		{"expires now", "rt_1", exp},
		{"expired", "rt_1", exp.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.IssueTokens(ctx, rotate(issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1"), tt.id), tt.now)
			checkErr(t, "IssueTokens", err, storage.ErrNotFound)
			gone(t, s, []string{"at_2"}, []string{"rt_2"})
		})
	}
	rt, err := s.GetRefreshToken(ctx, "rt_1")
	must(t, "GetRefreshToken", err)
	if !rt.UsedAt.IsZero() {
		t.Fatalf("GetRefreshToken().UsedAt = %v after refused rotations, want zero", rt.UsedAt)
	}
}

func testRevokeAccessToken(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), at(0)))
	must(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, "at_1"))
	gone(t, s, []string{"at_1"}, nil)
	present(t, s, nil, []string{"rt_1"})
	must(t, "RevokeAccessToken(missing)", s.RevokeAccessToken(ctx, "at_1"))
}

func testRevokeRefreshFamily(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1"), at(0)))
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, rotate(issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1"), "rt_1"), at(time.Second)))
	must(t, "IssueTokens(other family)", s.IssueTokens(ctx, issue("at_o", "rt_o", "fam_o", "cli_1", "usr_1"), at(0)))
	must(t, "RevokeRefreshFamily", s.RevokeRefreshFamily(ctx, "fam_1"))
	gone(t, s, []string{"at_1", "at_2"}, []string{"rt_1", "rt_2"})
	present(t, s, []string{"at_o"}, []string{"rt_o"})
	must(t, "RevokeRefreshFamily(missing)", s.RevokeRefreshFamily(ctx, "fam_1"))
}

func testRevokeUserTokens(t *testing.T, s storage.Store) {
	ctx := context.Background()
	seed := []storage.Issue{
		issue("at_11", "rt_11", "fam_11", "cli_1", "usr_1"),
		issue("at_12", "rt_12", "fam_12", "cli_2", "usr_1"),
		issue("at_12b", "", "", "cli_2", "usr_1"),
		issue("at_21", "rt_21", "fam_21", "cli_1", "usr_2"),
		issue("at_cc", "", "", "cli_1", "cli_1"), // client_credentials
	}
	for _, iss := range seed {
		must(t, "IssueTokens", s.IssueTokens(ctx, iss, at(0)))
	}
	must(t, "RevokeUserTokens(usr_1, cli_1)", s.RevokeUserTokens(ctx, "usr_1", "cli_1"))
	gone(t, s, []string{"at_11"}, []string{"rt_11"})
	present(t, s, []string{"at_12", "at_12b", "at_21", "at_cc"}, []string{"rt_12", "rt_21"})

	must(t, "RevokeUserTokens(usr_1, all clients)", s.RevokeUserTokens(ctx, "usr_1", ""))
	gone(t, s, []string{"at_11", "at_12", "at_12b"}, []string{"rt_11", "rt_12"})
	present(t, s, []string{"at_21", "at_cc"}, []string{"rt_21"})

	must(t, "RevokeUserTokens(user without tokens)", s.RevokeUserTokens(ctx, "usr_none", ""))
}
