// Package secret holds Gatehouse's small cryptographic helpers: random
// tokens and IDs from crypto/rand, SHA-256 digests compared in constant
// time, and an AES-256-GCM sealer for data encrypted at rest (signing keys,
// TOTP secrets) whose key lives in the data directory or in config.
//
// It imports only the standard library so that every other package may use
// it.
package secret
