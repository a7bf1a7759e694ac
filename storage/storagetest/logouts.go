package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var logoutTests = []test{
	{"LogoutRoundTrip", testLogoutRoundTrip},
	{"LogoutAlreadyExists", testLogoutAlreadyExists},
}

func testLogoutAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullLogout("lo_1", at(5*time.Minute))
	must(t, "CreateLogout", s.CreateLogout(ctx, want))
	other := fullLogout("lo_1", at(time.Hour))
	other.UserID = "usr_2"
	checkErr(t, "CreateLogout(same id)", s.CreateLogout(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetLogout(ctx, "lo_1")
	must(t, "GetLogout", err)
	checkEqual(t, "GetLogout after refused create", got, want)
}

func testLogoutRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetLogout(ctx, "lo_1")
	checkErr(t, "GetLogout(missing)", err, storage.ErrNotFound)
	want := fullLogout("lo_1", at(5*time.Minute))
	must(t, "CreateLogout", s.CreateLogout(ctx, want))
	got, err := s.GetLogout(ctx, "lo_1")
	must(t, "GetLogout", err)
	checkEqual(t, "GetLogout", got, want)
	must(t, "DeleteLogout", s.DeleteLogout(ctx, "lo_1"))
	_, err = s.GetLogout(ctx, "lo_1")
	checkErr(t, "GetLogout(deleted)", err, storage.ErrNotFound)
	must(t, "DeleteLogout(missing)", s.DeleteLogout(ctx, "lo_1"))
}
