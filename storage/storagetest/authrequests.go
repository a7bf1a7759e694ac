package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var authRequestTests = []test{
	{"AuthRequestRoundTrip", testAuthRequestRoundTrip},
	{"AuthRequestNotFound", testAuthRequestNotFound},
	{"AuthRequestAlreadyExists", testAuthRequestAlreadyExists},
	{"UpdateAuthRequest", testUpdateAuthRequest},
	{"DeleteAuthRequestKeepsCodes", testDeleteAuthRequest},
	{"AuthCodeRoundTrip", testAuthCodeRoundTrip},
	{"AuthCodeNeedsAuthRequest", testAuthCodeNeedsRequest},
	{"AuthCodeReplacesUnredeemedCode", testAuthCodeReplaces},
}

func testAuthRequestRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullAuthRequest("ar_1", at(10*time.Minute))
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, want))
	got, err := s.GetAuthRequest(ctx, "ar_1")
	must(t, "GetAuthRequest", err)
	checkEqual(t, "GetAuthRequest", got, want)

	// A nil MaxAge (max_age absent) must stay nil, and zero must stay zero.
	for _, maxAge := range []*int64{nil, new(int64)} {
		ar := fullAuthRequest("ar_maxage", at(time.Minute))
		ar.MaxAge = maxAge
		must(t, "DeleteAuthRequest", s.DeleteAuthRequest(ctx, ar.ID))
		must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, ar))
		got, err := s.GetAuthRequest(ctx, ar.ID)
		must(t, "GetAuthRequest", err)
		checkEqual(t, "GetAuthRequest(MaxAge variant)", got, ar)
	}
}

func testAuthRequestNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetAuthRequest(ctx, "ar_missing")
	checkErr(t, "GetAuthRequest(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateAuthRequest(ctx, "ar_missing", func(ar storage.AuthRequest) (storage.AuthRequest, error) { return ar, nil })
	checkErr(t, "UpdateAuthRequest(missing)", err, storage.ErrNotFound)
	checkErr(t, "DeleteAuthRequest(missing)", s.DeleteAuthRequest(ctx, "ar_missing"), nil)
	_, err = s.GetAuthCode(ctx, []byte("no such code"))
	checkErr(t, "GetAuthCode(missing)", err, storage.ErrNotFound)
}

func testAuthRequestAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullAuthRequest("ar_1", at(time.Minute))
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, want))
	other := fullAuthRequest("ar_1", at(time.Hour))
	other.State = "other"
	checkErr(t, "CreateAuthRequest(same id)", s.CreateAuthRequest(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetAuthRequest(ctx, "ar_1")
	must(t, "GetAuthRequest", err)
	checkEqual(t, "GetAuthRequest after refused create", got, want)
}

func testUpdateAuthRequest(t *testing.T, s storage.Store) {
	ctx := context.Background()
	orig := fullAuthRequest("ar_1", at(time.Minute))
	orig.Done, orig.UserID, orig.AuthTime, orig.AMR, orig.ACR, orig.SessionID = false, "", time.Time{}, nil, "", ""
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, orig))

	_, err := s.UpdateAuthRequest(ctx, "ar_1", func(ar storage.AuthRequest) (storage.AuthRequest, error) {
		ar.Done = true
		return ar, errFn
	})
	checkErr(t, "UpdateAuthRequest(fn fails)", err, errFn)
	got, err := s.GetAuthRequest(ctx, "ar_1")
	must(t, "GetAuthRequest", err)
	checkEqual(t, "GetAuthRequest after failed update", got, orig)

	want := fullAuthRequest("ar_1", at(time.Minute))
	got, err = s.UpdateAuthRequest(ctx, "ar_1", func(ar storage.AuthRequest) (storage.AuthRequest, error) {
		ar.Done, ar.UserID, ar.AuthTime, ar.AMR, ar.ACR, ar.SessionID = want.Done, want.UserID, want.AuthTime, want.AMR, want.ACR, want.SessionID
		return ar, nil
	})
	must(t, "UpdateAuthRequest", err)
	checkEqual(t, "UpdateAuthRequest result", got, want)
	got, err = s.GetAuthRequest(ctx, "ar_1")
	must(t, "GetAuthRequest", err)
	checkEqual(t, "GetAuthRequest after update", got, want)
}

func testDeleteAuthRequest(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_1", at(time.Minute))))
	code := storage.AuthCode{Hash: []byte("code-1"), AuthRequestID: "ar_1", ExpiresAt: at(time.Minute)}
	must(t, "SaveAuthCode", s.SaveAuthCode(ctx, code))
	must(t, "DeleteAuthRequest", s.DeleteAuthRequest(ctx, "ar_1"))
	_, err := s.GetAuthRequest(ctx, "ar_1")
	checkErr(t, "GetAuthRequest(deleted)", err, storage.ErrNotFound)
	got, err := s.GetAuthCode(ctx, code.Hash)
	must(t, "GetAuthCode after DeleteAuthRequest", err)
	checkEqual(t, "GetAuthCode after DeleteAuthRequest", got, code)
	// The code can still be redeemed exactly once.
	must(t, "IssueTokens(redeem)", s.IssueTokens(ctx, redeem(issue("at_1", "", "", "cli_1", "usr_1"), code.Hash), at(0)))
}

func testAuthCodeRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_1", at(time.Minute))))
	want := storage.AuthCode{
		Hash:            []byte{0x00, 0x01, 0xfe, 0xff, 'c'},
		AuthRequestID:   "ar_1",
		ExpiresAt:       at(time.Minute),
		RedeemedAt:      at(time.Second),
		AccessTokenID:   "at_1",
		RefreshFamilyID: "fam_1",
	}
	must(t, "SaveAuthCode", s.SaveAuthCode(ctx, want))
	got, err := s.GetAuthCode(ctx, want.Hash)
	must(t, "GetAuthCode", err)
	checkEqual(t, "GetAuthCode", got, want)
}

func testAuthCodeNeedsRequest(t *testing.T, s storage.Store) {
	ctx := context.Background()
	code := storage.AuthCode{Hash: []byte("code-1"), AuthRequestID: "ar_missing", ExpiresAt: at(time.Minute)}
	checkErr(t, "SaveAuthCode(no auth request)", s.SaveAuthCode(ctx, code), storage.ErrNotFound)
	_, err := s.GetAuthCode(ctx, code.Hash)
	checkErr(t, "GetAuthCode after refused save", err, storage.ErrNotFound)
}

func testAuthCodeReplaces(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_1", at(time.Minute))))
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_2", at(time.Minute))))
	c1 := storage.AuthCode{Hash: []byte("code-1"), AuthRequestID: "ar_1", ExpiresAt: at(time.Minute)}
	c2 := storage.AuthCode{Hash: []byte("code-2"), AuthRequestID: "ar_1", ExpiresAt: at(time.Minute)}
	c3 := storage.AuthCode{Hash: []byte("code-3"), AuthRequestID: "ar_1", ExpiresAt: at(time.Minute)}
	other := storage.AuthCode{Hash: []byte("code-other"), AuthRequestID: "ar_2", ExpiresAt: at(time.Minute)}
	must(t, "SaveAuthCode(other request)", s.SaveAuthCode(ctx, other))
	must(t, "SaveAuthCode(c1)", s.SaveAuthCode(ctx, c1))
	must(t, "SaveAuthCode(c2)", s.SaveAuthCode(ctx, c2))

	_, err := s.GetAuthCode(ctx, c1.Hash)
	checkErr(t, "GetAuthCode(c1) after c2 replaced it", err, storage.ErrNotFound)
	err = s.IssueTokens(ctx, redeem(issue("at_x", "", "", "cli_1", "usr_1"), c1.Hash), at(0))
	checkErr(t, "IssueTokens(redeem replaced c1)", err, storage.ErrNotFound)

	// Redeeming c2 deletes its auth request, so no further code can be
	// saved for it, and c2 stays as a tombstone for reuse detection.
	must(t, "IssueTokens(redeem c2)", s.IssueTokens(ctx, redeem(issue("at_2", "", "", "cli_1", "usr_1"), c2.Hash), at(0)))
	checkErr(t, "SaveAuthCode(c3) after the redemption", s.SaveAuthCode(ctx, c3), storage.ErrNotFound)
	got, err := s.GetAuthCode(ctx, c2.Hash)
	must(t, "GetAuthCode(redeemed c2)", err)
	if got.RedeemedAt.IsZero() {
		t.Fatalf("GetAuthCode(c2).RedeemedAt = zero, want the redemption time")
	}
	for _, c := range []storage.AuthCode{other} {
		got, err := s.GetAuthCode(ctx, c.Hash)
		must(t, "GetAuthCode("+string(c.Hash)+")", err)
		checkEqual(t, "GetAuthCode("+string(c.Hash)+")", got, c)
	}
	checkErr(t, "SaveAuthCode(same digest)", s.SaveAuthCode(ctx, other), storage.ErrAlreadyExists)
}

// redeem returns iss with RedeemCode set.
func redeem(iss storage.Issue, hash []byte) storage.Issue {
	iss.RedeemCode = hash
	return iss
}
