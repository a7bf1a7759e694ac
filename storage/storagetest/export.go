package storagetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// RunTransfer fills src with records of every kind through the Store
// methods, copies it into the empty dst with src's Export and dst's
// Import, and checks that dst returns every record as src does, that the
// counts match, that the copied refresh family keeps its rotation state,
// and that a second Import is refused with storage.ErrNotEmpty and
// changes nothing. src must implement storage.Exporter and dst
// storage.Importer.
func RunTransfer(t *testing.T, src, dst storage.Store) {
	ex, ok := src.(storage.Exporter)
	if !ok {
		t.Fatalf("%T is not a storage.Exporter", src)
	}
	im, ok := dst.(storage.Importer)
	if !ok {
		t.Fatalf("%T is not a storage.Importer", dst)
	}
	ctx := context.Background()
	fillEveryKind(t, src)
	var records []storage.Record
	put := storage.Counts{}
	must(t, "Export", ex.Export(ctx, func(r storage.Record) error {
		records = append(records, r)
		put[r.Kind]++
		return nil
	}))
	for _, k := range storage.Kinds {
		if put[k] == 0 {
			t.Errorf("Export gave no record of kind %s; the fixture should fill every kind", k)
		}
	}
	checkParentsFirst(t, records)
	counts, err := im.Import(ctx, replay(records))
	must(t, "Import", err)
	if !reflect.DeepEqual(counts, put) {
		t.Fatalf("Import counts = %v, want %v", counts, put)
	}
	checkCounts(t, im, put)
	_, err = im.Import(ctx, replay(records[:1]))
	checkErr(t, "second Import", err, storage.ErrNotEmpty)
	checkCounts(t, im, put)
	for _, r := range records {
		got, err := fetch(ctx, dst, r)
		if err != nil {
			t.Fatalf("read back %s %+v: %v", r.Kind, r.Value, err)
		}
		if !reflect.DeepEqual(got, r.Value) {
			t.Fatalf("%s read back = %+v\nwant %+v", r.Kind, got, r.Value)
		}
	}
	checkRotation(t, dst)
}

// checkCounts fails unless the importer's counts are want.
func checkCounts(t *testing.T, im storage.Importer, want storage.Counts) {
	t.Helper()
	got, err := im.CountRecords(context.Background())
	must(t, "CountRecords", err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CountRecords = %v, want %v", got, want)
	}
}

// replay returns an Import source that puts records in order.
func replay(records []storage.Record) func(put func(storage.Record) error) error {
	return func(put func(storage.Record) error) error {
		for _, r := range records {
			if err := put(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// checkParentsFirst fails when an account comes before its parent.
func checkParentsFirst(t *testing.T, records []storage.Record) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range records {
		if a, ok := r.Value.(storage.Account); ok {
			if a.ParentID != "" && !seen[a.ParentID] {
				t.Fatalf("account %s exported before its parent %s", a.ID, a.ParentID)
			}
			seen[a.ID] = true
		}
	}
}

// fillEveryKind stores at least one record of every kind in s, with a
// three-level account tree and a refresh family rotated once (rt_1 used,
// rt_2 live).
func fillEveryKind(t *testing.T, s storage.Store) {
	t.Helper()
	ctx := context.Background()
	must(t, "CreateUser", s.CreateUser(ctx, fullUser("usr_1", "ada@example.com")))
	must(t, "CreateUser", s.CreateUser(ctx, fullUser("usr_owner", "owner@example.com")))
	must(t, "CreateClient", s.CreateClient(ctx, fullClient("cli_1")))
	must(t, "AddSigningKeys", s.AddSigningKeys(ctx, fullSigningKey("key_1", "RS256", at(0))))
	_, err := s.PutSecretIfAbsent(ctx, "sealing_key_fingerprint", []byte{0, 1, 2, 0xff})
	must(t, "PutSecretIfAbsent", err)
	newAccount(t, s, "acct_c", "", "usr_owner")
	newAccount(t, s, "acct_b", "acct_c", "usr_owner")
	newAccount(t, s, "acct_a", "acct_b", "usr_owner")
	_, err = s.PutMembership(ctx, "acct_a", "usr_1", func(storage.Membership, bool) (storage.Membership, error) {
		return storage.Membership{AccountID: "acct_a", UserID: "usr_1", Role: storage.RoleDeveloper, Active: true,
			InvitedBy: "usr_owner", CreatedAt: at(0), UpdatedAt: at(time.Minute)}, nil
	})
	must(t, "PutMembership", err)
	newInvitation(t, s, fullInvitation("inv_1", "acct_b", "grace@example.com"))
	must(t, "AppendAudit", s.AppendAudit(ctx, fullAuditEvent("aud_1", at(time.Second))))
	_, err = s.UpdateMFAState(ctx, "usr_1", func(storage.MFAState) (storage.MFAState, error) { return fullMFAState("usr_1"), nil })
	must(t, "UpdateMFAState", err)
	must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, fullOTPChallenge("otp_1", at(time.Hour))))
	_, err = s.EnsureWebAuthnUserHandle(ctx, "usr_1", []byte("handle-1"))
	must(t, "EnsureWebAuthnUserHandle", err)
	must(t, "AddWebAuthnCredential", s.AddWebAuthnCredential(ctx, fullWebAuthnCredential([]byte{0, 9, 0xff}, "usr_1", at(0))))
	must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, fullWebAuthnSession("was_1", at(time.Hour))))
	must(t, "PutAvatar", s.PutAvatar(ctx, "usr_1", "image/png", []byte("\x89PNG")))
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, storage.PasswordReset{ID: "rst_1", UserID: "usr_1",
		CreatedAt: at(0), ExpiresAt: at(time.Hour)}))
	must(t, "CreateSession", s.CreateSession(ctx, fullSession("ses_1", "usr_1", at(0))))
	must(t, "CreateLogout", s.CreateLogout(ctx, fullLogout("lo_1", at(time.Hour))))
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_1", at(time.Hour))))
	must(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, fullAuthRequest("ar_2", at(time.Hour))))
	must(t, "SaveAuthCode", s.SaveAuthCode(ctx, storage.AuthCode{Hash: []byte("code-1"), AuthRequestID: "ar_1", ExpiresAt: at(time.Hour)}))
	first := issue("at_1", "rt_1", "fam_1", "cli_1", "usr_1")
	first.RedeemCode = []byte("code-1")
	must(t, "IssueTokens(code)", s.IssueTokens(ctx, first, at(time.Second)))
	second := issue("at_2", "rt_2", "fam_1", "cli_1", "usr_1")
	second.RotateRefresh = "rt_1"
	must(t, "IssueTokens(rotate)", s.IssueTokens(ctx, second, at(2*time.Second)))
	must(t, "DenyToken", s.DenyToken(ctx, "jti_1", at(time.Hour)))
	must(t, "EnqueueMail", s.EnqueueMail(ctx, queuedMail("mail_1", time.Minute)))
	_, err = s.UpdateLoginAttempts(ctx, "usr_1", func(storage.LoginAttempts) (storage.LoginAttempts, error) {
		return fullLoginAttempts("usr_1"), nil
	})
	must(t, "UpdateLoginAttempts", err)
}

// checkRotation checks on the copy that the rotated refresh token is
// refused as reused and the latest rotates once.
func checkRotation(t *testing.T, s storage.Store) {
	t.Helper()
	ctx := context.Background()
	next := issue("at_3", "rt_3", "fam_1", "cli_1", "usr_1")
	next.RotateRefresh = "rt_2"
	must(t, "IssueTokens(rotate the latest)", s.IssueTokens(ctx, next, at(3*time.Second)))
	again := issue("at_4", "rt_4", "fam_1", "cli_1", "usr_1")
	again.RotateRefresh = "rt_2"
	checkErr(t, "IssueTokens(rotate the latest again)", s.IssueTokens(ctx, again, at(4*time.Second)), storage.ErrReused)
}

// fetch reads back from s the record r names, as r's kind's type.
func fetch(ctx context.Context, s storage.Store, r storage.Record) (any, error) {
	switch v := r.Value.(type) {
	case storage.User:
		return s.GetUser(ctx, v.ID)
	case storage.Client:
		return s.GetClient(ctx, v.ID)
	case storage.SigningKey:
		keys, err := s.ListSigningKeys(ctx)
		return findBy(keys, err, func(k storage.SigningKey) bool { return k.ID == v.ID })
	case storage.Secret:
		b, err := s.GetSecret(ctx, v.Name)
		return storage.Secret{Name: v.Name, Value: b}, err
	case storage.Account:
		return s.GetAccount(ctx, v.ID)
	case storage.Membership:
		return s.GetMembership(ctx, v.AccountID, v.UserID)
	case storage.Invitation:
		return s.GetInvitation(ctx, v.ID)
	case storage.AuditEvent:
		events, err := s.ListAudit(ctx, storage.AuditFilter{})
		return findBy(events, err, func(e storage.AuditEvent) bool { return e.ID == v.ID })
	case storage.MFAState:
		return s.GetMFAState(ctx, v.UserID)
	case storage.OTPChallenge:
		return s.GetOTPChallenge(ctx, v.ID)
	case storage.WebAuthnHandle:
		id, err := s.UserIDByWebAuthnHandle(ctx, v.Handle)
		return storage.WebAuthnHandle{UserID: id, Handle: v.Handle}, err
	case storage.WebAuthnCredential:
		return s.GetWebAuthnCredential(ctx, v.ID)
	case storage.WebAuthnSession:
		// Taking it deletes it: the last read of the test.
		return s.TakeWebAuthnSession(ctx, v.ID, v.ExpiresAt.Add(-time.Second))
	case storage.Avatar:
		ct, data, err := s.GetAvatar(ctx, v.UserID)
		return storage.Avatar{UserID: v.UserID, ContentType: ct, Data: data}, err
	default:
		return fetchIssued(ctx, s, r)
	}
}

// fetchIssued is fetch for the kinds of the sign-in and token flows.
func fetchIssued(ctx context.Context, s storage.Store, r storage.Record) (any, error) {
	switch v := r.Value.(type) {
	case storage.PasswordReset:
		return s.GetPasswordReset(ctx, v.ID)
	case storage.Session:
		return s.GetSession(ctx, v.ID)
	case storage.Logout:
		return s.GetLogout(ctx, v.ID)
	case storage.AuthRequest:
		return s.GetAuthRequest(ctx, v.ID)
	case storage.AuthCode:
		return s.GetAuthCode(ctx, v.Hash)
	case storage.AccessToken:
		return s.GetAccessToken(ctx, v.ID)
	case storage.RefreshToken:
		return s.GetRefreshToken(ctx, v.ID)
	case storage.DeniedToken:
		denied, err := s.TokenDenied(ctx, v.JTI)
		if err == nil && !denied {
			err = errors.New("not denied")
		}
		return v, err
	case storage.QueuedMail:
		due, err := s.DueMail(ctx, v.Due, 1000)
		return findBy(due, err, func(m storage.QueuedMail) bool { return m.ID == v.ID })
	case storage.LoginAttempts:
		return s.GetLoginAttempts(ctx, v.UserID)
	}
	return nil, fmt.Errorf("no reader for %T", r.Value)
}

// findBy returns the element of list that match selects.
func findBy[T any](list []T, err error, match func(T) bool) (any, error) {
	if err != nil {
		return nil, err
	}
	for _, v := range list {
		if match(v) {
			return v, nil
		}
	}
	return nil, storage.ErrNotFound
}
