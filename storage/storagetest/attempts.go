package storagetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

var attemptTests = []test{
	{"LoginAttemptsMissingIsZero", testLoginAttemptsMissing},
	{"LoginAttemptsRoundTrip", testLoginAttemptsRoundTrip},
	{"UpdateLoginAttempts", testUpdateLoginAttempts},
}

func testLoginAttemptsMissing(t *testing.T, s storage.Store) {
	ctx := context.Background()
	got, err := s.GetLoginAttempts(ctx, "usr_1")
	must(t, "GetLoginAttempts(missing)", err)
	checkEqual(t, "GetLoginAttempts(missing)", got, storage.LoginAttempts{UserID: "usr_1"})
}

// testLoginAttemptsRoundTrip creates a counter through UpdateLoginAttempts,
// which hands fn a zero counter with UserID set when the user has none.
func testLoginAttemptsRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullLoginAttempts("usr_1")
	var old storage.LoginAttempts
	got, err := s.UpdateLoginAttempts(ctx, "usr_1", func(x storage.LoginAttempts) (storage.LoginAttempts, error) {
		old = x
		return want, nil
	})
	must(t, "UpdateLoginAttempts(create)", err)
	checkEqual(t, "fn argument for a missing counter", old, storage.LoginAttempts{UserID: "usr_1"})
	checkEqual(t, "UpdateLoginAttempts result", got, want)
	got, err = s.GetLoginAttempts(ctx, "usr_1")
	must(t, "GetLoginAttempts", err)
	checkEqual(t, "GetLoginAttempts", got, want)
	got, err = s.GetLoginAttempts(ctx, "usr_2")
	must(t, "GetLoginAttempts(usr_2)", err)
	checkEqual(t, "GetLoginAttempts(usr_2)", got, storage.LoginAttempts{UserID: "usr_2"})
}

// testUpdateLoginAttempts checks, on a missing and on an existing counter,
// that an error from fn writes nothing and comes back for errors.Is, that an
// unlock is written, and that the UserID cannot change.
func testUpdateLoginAttempts(t *testing.T, s storage.Store) {
	ctx := context.Background()
	tests := []struct {
		name    string
		exists  bool
		fn      func(storage.LoginAttempts) (storage.LoginAttempts, error)
		wantErr error // errFn, errAny or nil
		want    func(old storage.LoginAttempts) storage.LoginAttempts
	}{
		{
			name: "fn error on a missing counter writes nothing",
			fn: func(x storage.LoginAttempts) (storage.LoginAttempts, error) {
				x.ConsecutiveFailures++
				return x, errFn
			},
			wantErr: errFn,
			want:    func(old storage.LoginAttempts) storage.LoginAttempts { return old },
		},
		{
			name:   "fn error on a counter writes nothing",
			exists: true,
			fn: func(x storage.LoginAttempts) (storage.LoginAttempts, error) {
				x.ConsecutiveFailures++
				return x, errFn
			},
			wantErr: errFn,
			want:    func(old storage.LoginAttempts) storage.LoginAttempts { return old },
		},
		{
			name:   "unlock is written",
			exists: true,
			fn: func(x storage.LoginAttempts) (storage.LoginAttempts, error) {
				return storage.LoginAttempts{UserID: x.UserID}, nil
			},
			want: func(old storage.LoginAttempts) storage.LoginAttempts {
				return storage.LoginAttempts{UserID: old.UserID}
			},
		},
		{
			name:   "user id cannot change",
			exists: true,
			fn: func(x storage.LoginAttempts) (storage.LoginAttempts, error) {
				x.UserID = "usr_other"
				return x, nil
			},
			wantErr: errAny,
			want:    func(old storage.LoginAttempts) storage.LoginAttempts { return old },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			userID := fmt.Sprint("usr_", i)
			old := storage.LoginAttempts{UserID: userID}
			if tt.exists {
				old = fullLoginAttempts(userID)
				_, err := s.UpdateLoginAttempts(ctx, userID, func(storage.LoginAttempts) (storage.LoginAttempts, error) { return old, nil })
				must(t, "UpdateLoginAttempts(create)", err)
			}
			got, err := s.UpdateLoginAttempts(ctx, userID, tt.fn)
			switch tt.wantErr {
			case nil:
				must(t, "UpdateLoginAttempts", err)
				checkEqual(t, "UpdateLoginAttempts result", got, tt.want(old))
			case errAny:
				if err == nil {
					t.Fatalf("UpdateLoginAttempts() error = nil, want an error")
				}
			default:
				checkErr(t, "UpdateLoginAttempts", err, tt.wantErr)
			}
			stored, err := s.GetLoginAttempts(ctx, userID)
			must(t, "GetLoginAttempts", err)
			checkEqual(t, "GetLoginAttempts", stored, tt.want(old))
		})
	}
	got, err := s.GetLoginAttempts(ctx, "usr_other")
	must(t, "GetLoginAttempts(usr_other)", err)
	checkEqual(t, "GetLoginAttempts(usr_other)", got, storage.LoginAttempts{UserID: "usr_other"})
}
