package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var mfaTests = []test{
	{"MFAStateRoundTrip", testMFAStateRoundTrip},
	{"UpdateMFAState", testUpdateMFAState},
	{"OTPChallengeRoundTrip", testOTPChallengeRoundTrip},
	{"OTPChallengeNotFound", testOTPChallengeNotFound},
	{"OTPChallengeAlreadyExists", testOTPChallengeAlreadyExists},
	{"UpdateOTPChallenge", testUpdateOTPChallenge},
	{"DeleteOTPChallenge", testDeleteOTPChallenge},
	{"DeleteExpiredOTPChallenges", testDeleteExpiredOTPChallenges},
	{"ConcurrentMFAStateFailures", testConcurrentMFAStateFailures},
}

// testConcurrentMFAStateFailures counts wrong second factors the way
// package mfa does (GuessPolicy.RecordFailure inside UpdateMFAState) and
// checks that none is lost, so the per-user ceiling holds under parallel
// guesses.
func testConcurrentMFAStateFailures(t *testing.T, s storage.Store) {
	ctx := context.Background()
	winners := race(t, func(int) error {
		_, err := s.UpdateMFAState(ctx, "usr_1", func(x storage.MFAState) (storage.MFAState, error) {
			x.FailuresInARow++
			x.FailuresSinceSuccess++
			return x, nil
		})
		return err
	})
	if len(winners) != racers {
		t.Fatalf("%d of %d concurrent UpdateMFAState calls succeeded, want all", len(winners), racers)
	}
	got, err := s.GetMFAState(ctx, "usr_1")
	must(t, "GetMFAState", err)
	if got.FailuresInARow != racers || got.FailuresSinceSuccess != racers {
		t.Fatalf("counters after %d concurrent failures = %d and %d, want %d", racers, got.FailuresInARow, got.FailuresSinceSuccess, racers)
	}
}

// testMFAStateRoundTrip creates a state through UpdateMFAState, which hands
// fn a zero state with UserID set when the user has none.
func testMFAStateRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetMFAState(ctx, "usr_1")
	checkErr(t, "GetMFAState(missing)", err, storage.ErrNotFound)

	want := fullMFAState("usr_1")
	var old storage.MFAState
	got, err := s.UpdateMFAState(ctx, "usr_1", func(x storage.MFAState) (storage.MFAState, error) {
		old = x
		return want, nil
	})
	must(t, "UpdateMFAState(create)", err)
	checkEqual(t, "fn argument for a missing state", old, storage.MFAState{UserID: "usr_1"})
	checkEqual(t, "UpdateMFAState result", got, want)
	got, err = s.GetMFAState(ctx, "usr_1")
	must(t, "GetMFAState", err)
	checkEqual(t, "GetMFAState", got, want)

	_, err = s.GetMFAState(ctx, "usr_2")
	checkErr(t, "GetMFAState(other user)", err, storage.ErrNotFound)
}

// testUpdateMFAState checks, on a missing and on an existing state, that an
// error from fn writes nothing, that a failure fn records while returning a
// nil error is written (the attempt limit depends on it), and that the
// UserID cannot change.
func testUpdateMFAState(t *testing.T, s storage.Store) {
	ctx := context.Background()
	failure := at(time.Hour)
	tests := []struct {
		name    string
		exists  bool
		fn      func(storage.MFAState) (storage.MFAState, error)
		wantErr error                                       // errFn, errAny or nil
		want    func(old storage.MFAState) storage.MFAState // nil: no state
	}{
		{
			name: "fn error on a missing state writes nothing",
			fn: func(x storage.MFAState) (storage.MFAState, error) {
				x.Failures = append(x.Failures, failure)
				return x, errFn
			},
			wantErr: errFn,
		},
		{
			name:   "fn error on a state writes nothing",
			exists: true,
			fn: func(x storage.MFAState) (storage.MFAState, error) {
				x.Failures, x.TOTPLastStep = append(x.Failures, failure), x.TOTPLastStep+1
				return x, errFn
			},
			wantErr: errFn,
			want:    func(old storage.MFAState) storage.MFAState { return old },
		},
		{
			name: "failure recorded on a missing state is created",
			fn: func(x storage.MFAState) (storage.MFAState, error) {
				x.Failures = append(x.Failures, failure)
				return x, nil
			},
			want: func(old storage.MFAState) storage.MFAState {
				return storage.MFAState{UserID: old.UserID, Failures: []time.Time{failure}}
			},
		},
		{
			name:   "failure recorded on a state is written",
			exists: true,
			fn: func(x storage.MFAState) (storage.MFAState, error) {
				x.Failures = append(x.Failures, failure)
				return x, nil
			},
			want: func(old storage.MFAState) storage.MFAState {
				old.Failures = append(old.Failures, failure)
				return old
			},
		},
		{
			name:   "user id cannot change",
			exists: true,
			fn: func(x storage.MFAState) (storage.MFAState, error) {
				x.UserID = "usr_other"
				return x, nil
			},
			wantErr: errAny,
			want:    func(old storage.MFAState) storage.MFAState { return old },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			userID := fmt.Sprint("usr_", i)
			old := storage.MFAState{UserID: userID}
			if tt.exists {
				old = fullMFAState(userID)
				_, err := s.UpdateMFAState(ctx, userID, func(storage.MFAState) (storage.MFAState, error) { return old, nil })
				must(t, "UpdateMFAState(create)", err)
			}
			got, err := s.UpdateMFAState(ctx, userID, tt.fn)
			switch tt.wantErr {
			case nil:
				must(t, "UpdateMFAState", err)
				checkEqual(t, "UpdateMFAState result", got, tt.want(old))
			case errAny:
				if err == nil {
					t.Fatalf("UpdateMFAState() error = nil, want an error")
				}
			default:
				checkErr(t, "UpdateMFAState", err, tt.wantErr)
			}
			stored, err := s.GetMFAState(ctx, userID)
			if tt.want == nil {
				checkErr(t, "GetMFAState after refused create", err, storage.ErrNotFound)
				return
			}
			must(t, "GetMFAState", err)
			checkEqual(t, "GetMFAState", stored, tt.want(old))
		})
	}
	_, err := s.GetMFAState(ctx, "usr_other")
	checkErr(t, "GetMFAState(usr_other)", err, storage.ErrNotFound)
}

// testOTPChallengeRoundTrip stores a challenge that has already expired:
// getters return it anyway, only the sweep removes it.
func testOTPChallengeRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullOTPChallenge("otp_1", at(-time.Minute))
	must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, want))
	got, err := s.GetOTPChallenge(ctx, "otp_1")
	must(t, "GetOTPChallenge", err)
	checkEqual(t, "GetOTPChallenge", got, want)

	profile := fullOTPChallenge("otp_2", at(time.Minute))
	profile.AuthRequestID, profile.Purpose, profile.Channel = "", storage.OTPVerifyEmail, storage.ChannelEmail
	profile.Destination, profile.UsedAt, profile.Failures, profile.Sends = "ada@example.com", time.Time{}, 0, nil
	must(t, "CreateOTPChallenge(profile)", s.CreateOTPChallenge(ctx, profile))
	got, err = s.GetOTPChallenge(ctx, "otp_2")
	must(t, "GetOTPChallenge(profile)", err)
	checkEqual(t, "GetOTPChallenge(profile)", got, profile)
}

func testOTPChallengeNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetOTPChallenge(ctx, "otp_missing")
	checkErr(t, "GetOTPChallenge(missing)", err, storage.ErrNotFound)
	called := false
	_, err = s.UpdateOTPChallenge(ctx, "otp_missing", func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
		called = true
		return x, nil
	})
	checkErr(t, "UpdateOTPChallenge(missing)", err, storage.ErrNotFound)
	if called {
		t.Fatalf("UpdateOTPChallenge(missing) called fn, want ErrNotFound without calling it")
	}
	must(t, "DeleteOTPChallenge(missing)", s.DeleteOTPChallenge(ctx, "otp_missing"))
}

func testOTPChallengeAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullOTPChallenge("otp_1", at(time.Minute))
	must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, want))
	other := fullOTPChallenge("otp_1", at(time.Hour))
	other.UserID = "usr_2"
	checkErr(t, "CreateOTPChallenge(same id)", s.CreateOTPChallenge(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetOTPChallenge(ctx, "otp_1")
	must(t, "GetOTPChallenge", err)
	checkEqual(t, "GetOTPChallenge after refused create", got, want)
}

// testUpdateOTPChallenge checks that an error from fn writes nothing, that
// a wrong code counted while fn returns a nil error is written, and that the
// ID cannot change.
func testUpdateOTPChallenge(t *testing.T, s storage.Store) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fn      func(storage.OTPChallenge) (storage.OTPChallenge, error)
		wantErr error // errFn, errAny or nil
		want    func(old storage.OTPChallenge) storage.OTPChallenge
	}{
		{
			name: "fn error writes nothing",
			fn: func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
				x.Failures++
				return x, errFn
			},
			wantErr: errFn,
			want:    func(old storage.OTPChallenge) storage.OTPChallenge { return old },
		},
		{
			name: "failure counted with a nil error is written",
			fn: func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
				x.Failures++
				return x, nil
			},
			want: func(old storage.OTPChallenge) storage.OTPChallenge {
				old.Failures++
				return old
			},
		},
		{
			name: "resend with a new code and expiry",
			fn: func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
				x.CodeHash, x.ExpiresAt, x.Sends = []byte("hmac-new"), at(time.Hour), append(x.Sends, at(3*time.Minute))
				return x, nil
			},
			want: func(old storage.OTPChallenge) storage.OTPChallenge {
				old.CodeHash, old.ExpiresAt, old.Sends = []byte("hmac-new"), at(time.Hour), append(old.Sends, at(3*time.Minute))
				return old
			},
		},
		{
			name: "id cannot change",
			fn: func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
				x.ID = "otp_other"
				return x, nil
			},
			wantErr: errAny,
			want:    func(old storage.OTPChallenge) storage.OTPChallenge { return old },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := fullOTPChallenge(fmt.Sprint("otp_", i), at(time.Minute))
			old.UsedAt = time.Time{}
			must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, old))
			got, err := s.UpdateOTPChallenge(ctx, old.ID, tt.fn)
			switch tt.wantErr {
			case nil:
				must(t, "UpdateOTPChallenge", err)
				checkEqual(t, "UpdateOTPChallenge result", got, tt.want(old))
			case errAny:
				if err == nil {
					t.Fatalf("UpdateOTPChallenge() error = nil, want an error")
				}
			default:
				checkErr(t, "UpdateOTPChallenge", err, tt.wantErr)
			}
			stored, err := s.GetOTPChallenge(ctx, old.ID)
			must(t, "GetOTPChallenge", err)
			checkEqual(t, "GetOTPChallenge", stored, tt.want(old))
		})
	}
	_, err := s.GetOTPChallenge(ctx, "otp_other")
	checkErr(t, "GetOTPChallenge(otp_other)", err, storage.ErrNotFound)
}

func testDeleteOTPChallenge(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for _, id := range []string{"otp_1", "otp_2"} {
		must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, fullOTPChallenge(id, at(0))))
	}
	must(t, "DeleteOTPChallenge", s.DeleteOTPChallenge(ctx, "otp_1"))
	_, err := s.GetOTPChallenge(ctx, "otp_1")
	checkErr(t, "GetOTPChallenge(deleted)", err, storage.ErrNotFound)
	_, err = s.GetOTPChallenge(ctx, "otp_2")
	must(t, "GetOTPChallenge(other)", err)
	must(t, "DeleteOTPChallenge(again)", s.DeleteOTPChallenge(ctx, "otp_1"))
	n, err := s.DeleteExpiredOTPChallenges(ctx, at(time.Hour))
	must(t, "DeleteExpiredOTPChallenges", err)
	if n != 1 {
		t.Fatalf("DeleteExpiredOTPChallenges() after a delete = %d, want 1 (the deleted one is not counted)", n)
	}
}

// testDeleteExpiredOTPChallenges checks the boundary (ExpiresAt equal to
// before is expired) and that an update that moves ExpiresAt moves the
// challenge in or out of the sweep.
func testDeleteExpiredOTPChallenges(t *testing.T, s storage.Store) {
	ctx := context.Background()
	before := at(time.Hour)
	for _, c := range []storage.OTPChallenge{
		fullOTPChallenge("otp_exp", before),
		fullOTPChallenge("otp_past", at(0)),
		fullOTPChallenge("otp_live", before.Add(time.Microsecond)),
		fullOTPChallenge("otp_moved_in", at(2*time.Hour)),
		fullOTPChallenge("otp_moved_out", at(0)),
	} {
		must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, c))
	}
	for id, exp := range map[string]time.Time{"otp_moved_in": before, "otp_moved_out": at(2 * time.Hour)} {
		_, err := s.UpdateOTPChallenge(ctx, id, func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
			x.ExpiresAt = exp
			return x, nil
		})
		must(t, "UpdateOTPChallenge("+id+")", err)
	}

	n, err := s.DeleteExpiredOTPChallenges(ctx, before)
	must(t, "DeleteExpiredOTPChallenges", err)
	if n != 3 {
		t.Fatalf("DeleteExpiredOTPChallenges() = %d, want 3", n)
	}
	for _, id := range []string{"otp_exp", "otp_past", "otp_moved_in"} {
		_, err := s.GetOTPChallenge(ctx, id)
		checkErr(t, "GetOTPChallenge("+id+")", err, storage.ErrNotFound)
	}
	for _, id := range []string{"otp_live", "otp_moved_out"} {
		_, err := s.GetOTPChallenge(ctx, id)
		must(t, "GetOTPChallenge("+id+")", err)
	}
	n, err = s.DeleteExpiredOTPChallenges(ctx, before)
	must(t, "DeleteExpiredOTPChallenges(again)", err)
	if n != 0 {
		t.Fatalf("DeleteExpiredOTPChallenges(again) = %d, want 0", n)
	}
}
