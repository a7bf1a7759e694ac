// Package mfa holds Gatehouse's second-factor rules (REQUIREMENTS.md section
// 3) as pure functions over the records of package storage: TOTP enrolment
// and verification with replay refusal, e-mail and SMS one-time codes with
// their expiry, attempt and send limits, recovery codes, trusted-device
// cookies, and the amr and acr claims a sign-in earns.
//
// The package does no I/O: it neither serves HTTP nor talks to a backend,
// and every function that depends on time takes now. A caller persists the
// result through storage.MFA in one transaction per operation, calling these
// functions inside the UpdateMFAState or UpdateOTPChallenge callback:
//
//	var checkErr error
//	_, err := store.UpdateOTPChallenge(ctx, id, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
//		checkErr = mfa.Check(&c, pepper, code, policy, now)
//		return c, nil // keep the failure count even when the code was wrong
//	})
//
// Functions that refuse a code still change the record they are given (a
// failure is counted), so the callback must write the record and report the
// refusal outside the transaction, as above. Returning the refusal from the
// callback would roll the count back and lift the attempt limit.
//
// Secrets are never stored in clear: one-time codes are stored as an
// HMAC-SHA256 keyed by a server pepper (they carry only 20 bits), recovery
// codes as SHA-256 digests (they carry at least 64 bits), and TOTP secrets
// sealed with AES-GCM by a secret.Sealer. Every comparison of a secret is
// constant-time.
package mfa
