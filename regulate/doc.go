// Package regulate holds Gatehouse's brute-force defences (REQUIREMENTS.md
// section 4): a per-user password failure counter with a growing delay and
// a lockout, stored through storage.Attempts, and per-client-IP token
// buckets for the hosted pages, kept in memory.
//
// # Per-user counter
//
// Policy is pure: Delay gives the wait after n consecutive failures (none
// for the first 4, then 1 s after the 5th, doubling to 15 min) and Check
// decides from a storage.LoginAttempts and the time. Regulator applies it
// with one storage transaction per call and counts pessimistically, which
// is what makes parallel guesses useless (ZITADEL GHSA-7h8m-vrxx-vr4m):
//
//	d, err := reg.Begin(ctx, user.ID) // checks and counts the attempt as a failure
//	if err != nil || !d.Allowed {
//		if d.JustLocked { /* mark the user locked, e-mail them */ }
//		// password.VerifyDummy, then the one failure message
//	}
//	if password is correct {
//		err = reg.Succeeded(ctx, user.ID) // back to zero; ErrLocked: refuse
//	} else {
//		d, err = reg.Failed(ctx, user.ID) // records the lock at LockAfter
//		if d.JustLocked { /* mark the user locked, e-mail them */ }
//	}
//
// Because Begin counts before the slow hash, N concurrent wrong passwords
// are counted exactly N, and at one instant at most FreeFailures of them
// are evaluated. An attempt refused during a delay is not counted, so a
// flood of requests cannot lock an account faster than the delays allow.
// The lock is recorded on the failure that reaches LockAfter and is lifted
// only by Unlock (password reset or operator).
//
// # Per-IP limits
//
// Limiter is a token bucket per key with a bounded number of keys;
// KeyForRequest makes the key from the client IP (IPv6 by /64, trusting
// X-Forwarded-For only from configured proxies), and Middleware answers 429
// with Retry-After. Because many people can share one address (an office
// behind NAT), the buckets that count every request are flood guards with
// a high ceiling; GuardFailures keeps a token only for the attempts whose
// handler calls CountFailure (a wrong password or code), so guessing from
// one address is slowed after a few dozen failures while successful
// sign-ins cost nothing. Limits names the defaults for the sign-in, code,
// failure, authorize, registration and reset buckets so that config can
// expose them.
//
// Time is injected everywhere, so tests use a fake clock and never sleep.
package regulate
