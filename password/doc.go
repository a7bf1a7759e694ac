// Package password holds Gatehouse's password policy and password hashing.
//
// Validate checks a candidate password against the policy of NIST SP
// 800-63B rev 4 as used by Gatehouse: 8 to 256 Unicode code points after
// NFKC normalisation, no composition rules, refused when it is on the
// embedded blocklist of common passwords or when it contains the user's
// e-mail local part. Passwords are never truncated.
//
// A Hasher hashes and verifies passwords with argon2id and encodes the
// result as a PHC string. It bounds the number of hashes computed at once
// so that a flood of sign-ins cannot exhaust memory, and it tells the
// caller when a stored hash uses old parameters and should be rehashed.
package password
