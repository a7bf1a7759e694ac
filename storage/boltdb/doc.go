// Package boltdb is the embedded storage backend of Gatehouse: it implements
// storage.Store on a single bbolt file.
//
// bbolt allows one process per file, so Open takes an exclusive lock and
// fails within Options.Timeout (returning an error that wraps ErrInUse) when
// another process holds it. Every exported method runs in exactly one bbolt
// transaction. The hot writes (IssueTokens, EnqueueMail) share commits
// with concurrent callers through a group commit (group.go): each
// function runs whole, one after the other, in the shared transaction, so
// a check-and-set stays serializable, but it may run more than once and
// must be safe to repeat. The idempotent TouchSession groups its calls
// with bbolt's Batch; every other write uses bbolt's Update.
//
// Values are stored as JSON in private record types defined in this
// package; the domain types of package storage are never encoded directly.
// Times are stored in UTC with nanosecond precision. Secondary indexes
// (users by e-mail, tokens by user and by refresh family, sessions by user,
// codes by auth request, WebAuthn credentials by user) use composite keys
// joined by a zero byte and are read with cursor prefix scans. One-time code
// challenges and WebAuthn ceremony sessions are also indexed by expiry, so
// that a sweep reads only what has expired.
package boltdb
