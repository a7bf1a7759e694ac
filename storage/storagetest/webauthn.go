package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var webAuthnTests = []test{
	{"WebAuthnCredentialRoundTrip", testWebAuthnCredentialRoundTrip},
	{"WebAuthnCredentialNotFound", testWebAuthnCredentialNotFound},
	{"WebAuthnCredentialIDUniqueAcrossUsers", testWebAuthnCredentialUnique},
	{"ListWebAuthnCredentialsPerUserOldestFirst", testListWebAuthnCredentials},
	{"UpdateWebAuthnCredential", testUpdateWebAuthnCredential},
	{"DeleteWebAuthnCredentialOnlyByOwner", testDeleteWebAuthnCredential},
	{"WebAuthnUserHandle", testWebAuthnUserHandle},
	{"WebAuthnSessionTakeOnce", testWebAuthnSessionTakeOnce},
	{"WebAuthnSessionAlreadyExists", testWebAuthnSessionAlreadyExists},
	{"WebAuthnSessionExpired", testWebAuthnSessionExpired},
	{"DeleteExpiredWebAuthnSessions", testDeleteExpiredWebAuthnSessions},
}

// credID is a credential ID with zero bytes in it, as raw authenticator IDs
// may have.
var credID = []byte{0x00, 0x01, 0xfe, 0x00, 0xff}

func testWebAuthnCredentialRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullWebAuthnCredential(credID, "usr_1", at(0))
	must(t, "AddWebAuthnCredential", s.AddWebAuthnCredential(ctx, want))
	got, err := s.GetWebAuthnCredential(ctx, credID)
	must(t, "GetWebAuthnCredential", err)
	checkEqual(t, "GetWebAuthnCredential", got, want)
	list, err := s.ListWebAuthnCredentials(ctx, "usr_1")
	must(t, "ListWebAuthnCredentials", err)
	checkEqual(t, "ListWebAuthnCredentials", list, []storage.WebAuthnCredential{want})
}

func testWebAuthnCredentialNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetWebAuthnCredential(ctx, credID)
	checkErr(t, "GetWebAuthnCredential(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateWebAuthnCredential(ctx, credID, func(x storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
		return x, nil
	})
	checkErr(t, "UpdateWebAuthnCredential(missing)", err, storage.ErrNotFound)
	checkErr(t, "DeleteWebAuthnCredential(missing)", s.DeleteWebAuthnCredential(ctx, "usr_1", credID), storage.ErrNotFound)
	list, err := s.ListWebAuthnCredentials(ctx, "usr_1")
	must(t, "ListWebAuthnCredentials", err)
	if len(list) != 0 {
		t.Fatalf("ListWebAuthnCredentials() on an empty store = %d credentials, want 0", len(list))
	}
}

func testWebAuthnCredentialUnique(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullWebAuthnCredential(credID, "usr_1", at(0))
	must(t, "AddWebAuthnCredential", s.AddWebAuthnCredential(ctx, want))
	for _, userID := range []string{"usr_1", "usr_2"} {
		dup := fullWebAuthnCredential(credID, userID, at(time.Hour))
		dup.Name = "duplicate"
		checkErr(t, "AddWebAuthnCredential(same id, "+userID+")", s.AddWebAuthnCredential(ctx, dup), storage.ErrAlreadyExists)
	}
	got, err := s.GetWebAuthnCredential(ctx, credID)
	must(t, "GetWebAuthnCredential", err)
	checkEqual(t, "GetWebAuthnCredential after refused adds", got, want)
	list, err := s.ListWebAuthnCredentials(ctx, "usr_1")
	must(t, "ListWebAuthnCredentials(usr_1)", err)
	checkEqual(t, "ListWebAuthnCredentials(usr_1)", list, []storage.WebAuthnCredential{want})
	list, err = s.ListWebAuthnCredentials(ctx, "usr_2")
	must(t, "ListWebAuthnCredentials(usr_2)", err)
	if len(list) != 0 {
		t.Fatalf("ListWebAuthnCredentials(usr_2) = %d credentials after a refused add, want 0", len(list))
	}
}

// testListWebAuthnCredentials adds credentials out of order for users whose
// IDs prefix one another, with credential IDs that hold zero bytes.
func testListWebAuthnCredentials(t *testing.T, s storage.Store) {
	ctx := context.Background()
	oldest := fullWebAuthnCredential([]byte("\x00c"), "usr_1", at(0))
	middle := fullWebAuthnCredential([]byte("a\x00"), "usr_1", at(time.Hour))
	newest := fullWebAuthnCredential([]byte("b"), "usr_1", at(2*time.Hour))
	other := fullWebAuthnCredential([]byte("\x00a"), "usr_10", at(-time.Hour))
	for _, c := range []storage.WebAuthnCredential{middle, other, newest, oldest} {
		must(t, "AddWebAuthnCredential", s.AddWebAuthnCredential(ctx, c))
	}
	tests := []struct {
		userID string
		want   []storage.WebAuthnCredential
	}{
		{"usr_1", []storage.WebAuthnCredential{oldest, middle, newest}},
		{"usr_10", []storage.WebAuthnCredential{other}},
		{"usr", nil},
	}
	for _, tt := range tests {
		t.Run(tt.userID, func(t *testing.T) {
			got, err := s.ListWebAuthnCredentials(ctx, tt.userID)
			must(t, "ListWebAuthnCredentials", err)
			if len(tt.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("ListWebAuthnCredentials(%q) = %d credentials, want 0", tt.userID, len(got))
				}
				return
			}
			checkEqual(t, "ListWebAuthnCredentials("+tt.userID+")", got, tt.want)
		})
	}
}

func testUpdateWebAuthnCredential(t *testing.T, s storage.Store) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fn      func(storage.WebAuthnCredential) (storage.WebAuthnCredential, error)
		wantErr error // errFn, errAny or nil
		want    func(old storage.WebAuthnCredential) storage.WebAuthnCredential
	}{
		{
			name: "fn error writes nothing",
			fn: func(x storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
				x.SignCount++
				return x, errFn
			},
			wantErr: errFn,
			want:    func(old storage.WebAuthnCredential) storage.WebAuthnCredential { return old },
		},
		{
			name: "sign-in write-back",
			fn: func(x storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
				x.SignCount, x.BackupState, x.LastUsedAt, x.Record = 43, false, at(3*time.Hour), []byte(`{"n":43}`)
				return x, nil
			},
			want: func(old storage.WebAuthnCredential) storage.WebAuthnCredential {
				old.SignCount, old.BackupState, old.LastUsedAt, old.Record = 43, false, at(3*time.Hour), []byte(`{"n":43}`)
				return old
			},
		},
		{
			name: "id cannot change",
			fn: func(x storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
				x.ID = []byte("other")
				return x, nil
			},
			wantErr: errAny,
			want:    func(old storage.WebAuthnCredential) storage.WebAuthnCredential { return old },
		},
		{
			name: "user id cannot change",
			fn: func(x storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
				x.UserID = "usr_2"
				return x, nil
			},
			wantErr: errAny,
			want:    func(old storage.WebAuthnCredential) storage.WebAuthnCredential { return old },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := fullWebAuthnCredential(fmt.Appendf(nil, "cred\x00%d", i), "usr_1", at(time.Duration(i)*time.Minute))
			must(t, "AddWebAuthnCredential", s.AddWebAuthnCredential(ctx, old))
			got, err := s.UpdateWebAuthnCredential(ctx, old.ID, tt.fn)
			switch tt.wantErr {
			case nil:
				must(t, "UpdateWebAuthnCredential", err)
				checkEqual(t, "UpdateWebAuthnCredential result", got, tt.want(old))
			case errAny:
				if err == nil {
					t.Fatalf("UpdateWebAuthnCredential() error = nil, want an error")
				}
			default:
				checkErr(t, "UpdateWebAuthnCredential", err, tt.wantErr)
			}
			stored, err := s.GetWebAuthnCredential(ctx, old.ID)
			must(t, "GetWebAuthnCredential", err)
			checkEqual(t, "GetWebAuthnCredential", stored, tt.want(old))
		})
	}
	_, err := s.GetWebAuthnCredential(ctx, []byte("other"))
	checkErr(t, "GetWebAuthnCredential(other)", err, storage.ErrNotFound)
	list, err := s.ListWebAuthnCredentials(ctx, "usr_2")
	must(t, "ListWebAuthnCredentials(usr_2)", err)
	if len(list) != 0 {
		t.Fatalf("ListWebAuthnCredentials(usr_2) = %d credentials after a refused move, want 0", len(list))
	}
}

func testDeleteWebAuthnCredential(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullWebAuthnCredential(credID, "usr_1", at(0))
	must(t, "AddWebAuthnCredential", s.AddWebAuthnCredential(ctx, want))
	tests := []struct {
		name, userID string
		wantErr      error
		wantLeft     int // credentials of usr_1 afterwards
	}{
		{"another user cannot", "usr_2", storage.ErrNotFound, 1},
		{"a user whose id prefixes the owner's cannot", "usr_", storage.ErrNotFound, 1},
		{"the owner can", "usr_1", nil, 0},
		{"twice is not found", "usr_1", storage.ErrNotFound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, "DeleteWebAuthnCredential("+tt.userID+")", s.DeleteWebAuthnCredential(ctx, tt.userID, credID), tt.wantErr)
			list, err := s.ListWebAuthnCredentials(ctx, "usr_1")
			must(t, "ListWebAuthnCredentials", err)
			if len(list) != tt.wantLeft {
				t.Fatalf("ListWebAuthnCredentials(usr_1) = %d credentials, want %d", len(list), tt.wantLeft)
			}
			_, err = s.GetWebAuthnCredential(ctx, credID)
			if tt.wantLeft == 0 {
				checkErr(t, "GetWebAuthnCredential(deleted)", err, storage.ErrNotFound)
			} else {
				must(t, "GetWebAuthnCredential", err)
			}
		})
	}
	// The ID is free again, for any user.
	again := fullWebAuthnCredential(credID, "usr_2", at(time.Hour))
	must(t, "AddWebAuthnCredential(after delete)", s.AddWebAuthnCredential(ctx, again))
	list, err := s.ListWebAuthnCredentials(ctx, "usr_2")
	must(t, "ListWebAuthnCredentials(usr_2)", err)
	checkEqual(t, "ListWebAuthnCredentials(usr_2)", list, []storage.WebAuthnCredential{again})
}

// testWebAuthnUserHandle runs its steps in order on one store: the first
// handle of a user stays, a handle maps to one user only.
func testWebAuthnUserHandle(t *testing.T, s storage.Store) {
	ctx := context.Background()
	h1, h2, h3 := []byte("handle-1\x00"), []byte("handle-2"), []byte("handle-3")
	ensure := []struct {
		name    string
		userID  string
		handle  []byte
		want    []byte
		wantErr error
	}{
		{"first handle is stored", "usr_1", h1, h1, nil},
		{"first handle is kept", "usr_1", h2, h1, nil},
		{"another user cannot take it", "usr_2", h1, nil, storage.ErrAlreadyExists},
		{"another user gets its own", "usr_2", h2, h2, nil},
	}
	for _, tt := range ensure {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.EnsureWebAuthnUserHandle(ctx, tt.userID, tt.handle)
			checkErr(t, "EnsureWebAuthnUserHandle("+tt.userID+")", err, tt.wantErr)
			if tt.wantErr == nil {
				checkEqual(t, "EnsureWebAuthnUserHandle("+tt.userID+")", got, tt.want)
			}
		})
	}
	lookup := []struct {
		handle  []byte
		want    string
		wantErr error
	}{
		{h1, "usr_1", nil},
		{h2, "usr_2", nil},
		{h3, "", storage.ErrNotFound},
		{h1[:len(h1)-1], "", storage.ErrNotFound},
	}
	for _, tt := range lookup {
		t.Run(fmt.Sprintf("lookup %q", tt.handle), func(t *testing.T) {
			got, err := s.UserIDByWebAuthnHandle(ctx, tt.handle)
			checkErr(t, "UserIDByWebAuthnHandle", err, tt.wantErr)
			if got != tt.want {
				t.Fatalf("UserIDByWebAuthnHandle(%q) = %q, want %q", tt.handle, got, tt.want)
			}
		})
	}
}

func testWebAuthnSessionTakeOnce(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullWebAuthnSession("was_1", at(5*time.Minute))
	must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, want))
	passkey := fullWebAuthnSession("was_2", at(5*time.Minute))
	passkey.UserID, passkey.AuthRequestID, passkey.Purpose = "", "", storage.WebAuthnPasskey
	must(t, "CreateWebAuthnSession(passkey)", s.CreateWebAuthnSession(ctx, passkey))

	for _, w := range []storage.WebAuthnSession{want, passkey} {
		got, err := s.TakeWebAuthnSession(ctx, w.ID, at(0))
		must(t, "TakeWebAuthnSession("+w.ID+")", err)
		checkEqual(t, "TakeWebAuthnSession("+w.ID+")", got, w)
		_, err = s.TakeWebAuthnSession(ctx, w.ID, at(0))
		checkErr(t, "TakeWebAuthnSession("+w.ID+") again", err, storage.ErrNotFound)
	}
	_, err := s.TakeWebAuthnSession(ctx, "was_missing", at(0))
	checkErr(t, "TakeWebAuthnSession(missing)", err, storage.ErrNotFound)
}

func testWebAuthnSessionAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullWebAuthnSession("was_1", at(5*time.Minute))
	must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, want))
	other := fullWebAuthnSession("was_1", at(time.Hour))
	other.Purpose = storage.WebAuthnRegister
	checkErr(t, "CreateWebAuthnSession(same id)", s.CreateWebAuthnSession(ctx, other), storage.ErrAlreadyExists)
	got, err := s.TakeWebAuthnSession(ctx, "was_1", at(0))
	must(t, "TakeWebAuthnSession", err)
	checkEqual(t, "TakeWebAuthnSession after refused create", got, want)
}

// testWebAuthnSessionExpired checks that an expired session is not handed
// out and is gone afterwards, even for a take with an earlier now.
func testWebAuthnSessionExpired(t *testing.T, s storage.Store) {
	ctx := context.Background()
	exp := at(5 * time.Minute)
	tests := []struct {
		name string
		now  time.Time
	}{
		{"now equals ExpiresAt", exp},
		{"now after ExpiresAt", exp.Add(time.Microsecond)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprint("was_", i)
			must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, fullWebAuthnSession(id, exp)))
			_, err := s.TakeWebAuthnSession(ctx, id, tt.now)
			checkErr(t, "TakeWebAuthnSession(expired)", err, storage.ErrNotFound)
			_, err = s.TakeWebAuthnSession(ctx, id, at(0))
			checkErr(t, "TakeWebAuthnSession(after an expired take)", err, storage.ErrNotFound)
		})
	}
	n, err := s.DeleteExpiredWebAuthnSessions(ctx, exp.Add(time.Hour))
	must(t, "DeleteExpiredWebAuthnSessions", err)
	if n != 0 {
		t.Fatalf("DeleteExpiredWebAuthnSessions() = %d, want 0 (expired takes deleted them)", n)
	}
}

func testDeleteExpiredWebAuthnSessions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	before := at(time.Hour)
	for _, w := range []storage.WebAuthnSession{
		fullWebAuthnSession("was_exp", before),
		fullWebAuthnSession("was_past", at(0)),
		fullWebAuthnSession("was_live", before.Add(time.Microsecond)),
		fullWebAuthnSession("was_taken", at(0)),
	} {
		must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, w))
	}
	_, err := s.TakeWebAuthnSession(ctx, "was_taken", at(-time.Minute))
	must(t, "TakeWebAuthnSession(was_taken)", err)

	n, err := s.DeleteExpiredWebAuthnSessions(ctx, before)
	must(t, "DeleteExpiredWebAuthnSessions", err)
	if n != 2 {
		t.Fatalf("DeleteExpiredWebAuthnSessions() = %d, want 2", n)
	}
	for _, id := range []string{"was_exp", "was_past"} {
		_, err := s.TakeWebAuthnSession(ctx, id, at(-time.Hour))
		checkErr(t, "TakeWebAuthnSession("+id+")", err, storage.ErrNotFound)
	}
	n, err = s.DeleteExpiredWebAuthnSessions(ctx, before)
	must(t, "DeleteExpiredWebAuthnSessions(again)", err)
	if n != 0 {
		t.Fatalf("DeleteExpiredWebAuthnSessions(again) = %d, want 0", n)
	}
	_, err = s.TakeWebAuthnSession(ctx, "was_live", before)
	must(t, "TakeWebAuthnSession(was_live)", err)
}
