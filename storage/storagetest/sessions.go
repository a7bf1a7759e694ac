package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var sessionTests = []test{
	{"SessionRoundTrip", testSessionRoundTrip},
	{"SessionNotFound", testSessionNotFound},
	{"SessionAlreadyExists", testSessionAlreadyExists},
	{"UpdateSession", testUpdateSession},
	{"ListUserSessionsNewestFirst", testListUserSessions},
	{"DeleteUserSessions", testDeleteUserSessions},
}

func testSessionRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullSession("ses_1", "usr_1", at(0))
	must(t, "CreateSession", s.CreateSession(ctx, want))
	got, err := s.GetSession(ctx, "ses_1")
	must(t, "GetSession", err)
	checkEqual(t, "GetSession", got, want)
}

func testSessionNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetSession(ctx, "ses_missing")
	checkErr(t, "GetSession(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateSession(ctx, "ses_missing", func(x storage.Session) (storage.Session, error) { return x, nil })
	checkErr(t, "UpdateSession(missing)", err, storage.ErrNotFound)
	checkErr(t, "DeleteSession(missing)", s.DeleteSession(ctx, "ses_missing"), nil)
	list, err := s.ListUserSessions(ctx, "usr_1")
	must(t, "ListUserSessions", err)
	if len(list) != 0 {
		t.Fatalf("ListUserSessions() on an empty store = %d sessions, want 0", len(list))
	}
	n, err := s.DeleteUserSessions(ctx, "usr_1", "")
	must(t, "DeleteUserSessions", err)
	if n != 0 {
		t.Fatalf("DeleteUserSessions() on an empty store = %d, want 0", n)
	}
}

func testSessionAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullSession("ses_1", "usr_1", at(0))
	must(t, "CreateSession", s.CreateSession(ctx, want))
	checkErr(t, "CreateSession(same id)", s.CreateSession(ctx, fullSession("ses_1", "usr_2", at(time.Hour))), storage.ErrAlreadyExists)
	got, err := s.GetSession(ctx, "ses_1")
	must(t, "GetSession", err)
	checkEqual(t, "GetSession after refused create", got, want)
	list, err := s.ListUserSessions(ctx, "usr_2")
	must(t, "ListUserSessions(usr_2)", err)
	if len(list) != 0 {
		t.Fatalf("ListUserSessions(usr_2) = %d sessions after a refused create, want 0", len(list))
	}
}

func testUpdateSession(t *testing.T, s storage.Store) {
	ctx := context.Background()
	orig := fullSession("ses_1", "usr_1", at(0))
	must(t, "CreateSession", s.CreateSession(ctx, orig))
	_, err := s.UpdateSession(ctx, "ses_1", func(x storage.Session) (storage.Session, error) {
		x.LastSeenAt = at(time.Hour)
		return x, errFn
	})
	checkErr(t, "UpdateSession(fn fails)", err, errFn)
	got, err := s.GetSession(ctx, "ses_1")
	must(t, "GetSession", err)
	checkEqual(t, "GetSession after failed update", got, orig)

	want := orig
	want.LastSeenAt, want.AMR, want.ACR = at(time.Hour), []string{"pwd", "otp", "hwk"}, "urn:acr:phr"
	got, err = s.UpdateSession(ctx, "ses_1", func(x storage.Session) (storage.Session, error) {
		x.LastSeenAt, x.AMR, x.ACR = want.LastSeenAt, want.AMR, want.ACR
		return x, nil
	})
	must(t, "UpdateSession", err)
	checkEqual(t, "UpdateSession result", got, want)
	got, err = s.GetSession(ctx, "ses_1")
	must(t, "GetSession", err)
	checkEqual(t, "GetSession after update", got, want)
}

func testListUserSessions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	oldest := fullSession("ses_c", "usr_1", at(0))
	newest := fullSession("ses_a", "usr_1", at(2*time.Hour))
	middle := fullSession("ses_b", "usr_1", at(time.Hour))
	for _, x := range []storage.Session{middle, oldest, newest, fullSession("ses_o", "usr_2", at(3*time.Hour))} {
		must(t, "CreateSession", s.CreateSession(ctx, x))
	}
	got, err := s.ListUserSessions(ctx, "usr_1")
	must(t, "ListUserSessions", err)
	checkEqual(t, "ListUserSessions", got, []storage.Session{newest, middle, oldest})

	must(t, "DeleteSession", s.DeleteSession(ctx, "ses_b"))
	got, err = s.ListUserSessions(ctx, "usr_1")
	must(t, "ListUserSessions after DeleteSession", err)
	checkEqual(t, "ListUserSessions after DeleteSession", got, []storage.Session{newest, oldest})
}

func testDeleteUserSessions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for _, x := range []storage.Session{
		fullSession("ses_1", "usr_1", at(0)),
		fullSession("ses_2", "usr_1", at(time.Minute)),
		fullSession("ses_3", "usr_1", at(2*time.Minute)),
		fullSession("ses_o", "usr_2", at(0)),
	} {
		must(t, "CreateSession", s.CreateSession(ctx, x))
	}
	tests := []struct {
		name, except string
		want         int
		left         []string
	}{
		{"all but the current one", "ses_2", 2, []string{"ses_2"}},
		{"nothing left to delete", "ses_2", 0, []string{"ses_2"}},
		{"all", "", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.DeleteUserSessions(ctx, "usr_1", tt.except)
			must(t, "DeleteUserSessions", err)
			if n != tt.want {
				t.Fatalf("DeleteUserSessions(usr_1, %q) = %d, want %d", tt.except, n, tt.want)
			}
			list, err := s.ListUserSessions(ctx, "usr_1")
			must(t, "ListUserSessions", err)
			var ids []string
			for _, x := range list {
				ids = append(ids, x.ID)
			}
			checkEqual(t, "ListUserSessions IDs", ids, tt.left)
		})
	}
	_, err := s.GetSession(ctx, "ses_o")
	must(t, "GetSession(other user's session)", err)
}
