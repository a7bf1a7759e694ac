// Package storagetest is the conformance suite that every storage backend
// must pass.
//
// A backend's test calls Run with a constructor that returns a fresh, empty
// store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			return mustOpen(t)
//		})
//	}
//
// The suite checks that every value type round-trips with every field set
// (times come back in UTC, at least to the microsecond), the ErrNotFound,
// ErrAlreadyExists and ErrReused semantics of the contract, that UpdateX
// functions write nothing when fn fails, that authorization codes are
// redeemed exactly once and refresh tokens rotate by compare-and-swap, also
// under 64 concurrent callers, that a WebAuthn ceremony session is taken
// once, that a failure an UpdateX fn records with a nil error is written
// and that no concurrent increment of a login attempt counter or an OTP
// failure count is lost, that WebAuthn credential IDs are unique across
// users, and that DeleteExpired removes exactly what has expired. Fixture times carry microsecond precision so that SQL
// backends pass too.
package storagetest
