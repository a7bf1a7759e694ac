package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/gatehouse-id/gatehouse/storage"
)

var _ storage.Store = (*DB)(nil)

// Errors returned by Open. Callers test them with errors.Is.
var (
	// ErrInUse means another process (or another DB in this process) holds
	// the database file and the lock was not acquired within
	// Options.Timeout.
	ErrInUse = errors.New("database file is in use by another process")
	// ErrNewerSchema means the file was written by a newer Gatehouse with a
	// schema version this build does not understand.
	ErrNewerSchema = errors.New("database schema is newer than this build supports")
)

// DefaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero.
const DefaultTimeout = time.Second

// Bucket names. Every bucket is created by Open.
const (
	bucketMeta                     = "meta"
	bucketUsers                    = "users"                       // user ID -> userRecord
	bucketUsersByEmail             = "users_by_email"              // NormalizeEmail(email) -> user ID
	bucketClients                  = "clients"                     // client ID -> clientRecord
	bucketAuthRequests             = "auth_requests"               // auth request ID -> authRequestRecord
	bucketAuthCodes                = "auth_codes"                  // code digest -> authCodeRecord
	bucketCodesByRequest           = "codes_by_request"            // auth request ID -> digest of its latest code
	bucketAccessTokens             = "access_tokens"               // token ID -> accessTokenRecord
	bucketRefreshTokens            = "refresh_tokens"              // token ID -> refreshTokenRecord
	bucketTokensByFamily           = "tokens_by_family"            // family \0 kind \0 token ID -> empty
	bucketTokensByUser             = "tokens_by_user"              // user \0 client \0 kind \0 token ID -> empty
	bucketSessions                 = "sessions"                    // session ID -> sessionRecord
	bucketSessionsByUser           = "sessions_by_user"            // user ID \0 session ID -> empty
	bucketLogouts                  = "logouts"                     // logout ID -> logoutRecord
	bucketSigningKeys              = "signing_keys"                // key ID -> signingKeyRecord
	bucketSecrets                  = "secrets"                     // name -> value
	bucketMFAStates                = "mfa_states"                  // user ID -> mfaStateRecord
	bucketOTPChallenges            = "otp_challenges"              // challenge ID -> otpChallengeRecord
	bucketOTPByExpiry              = "otp_by_expiry"               // expiry (8 bytes) challenge ID -> empty
	bucketWebAuthnHandles          = "webauthn_handles"            // user ID -> user handle
	bucketWebAuthnUsers            = "webauthn_users"              // user handle -> user ID
	bucketWebAuthnCreds            = "webauthn_creds"              // credential ID -> webAuthnCredentialRecord
	bucketWebAuthnCredsByUser      = "webauthn_creds_by_user"      // user ID \0 credential ID -> empty
	bucketWebAuthnSessions         = "webauthn_sessions"           // session ID -> webAuthnSessionRecord
	bucketWebAuthnByExpiry         = "webauthn_sessions_by_expiry" // expiry (8 bytes) session ID -> empty
	bucketLoginAttempts            = "login_attempts"              // user ID -> loginAttemptsRecord
	bucketAvatars                  = "avatars"                     // user ID -> avatarRecord
	keySchemaVersion               = "schema_version"              // in bucketMeta: 8-byte big-endian version
	indexSeparator            byte = 0
)

var allBuckets = []string{
	bucketMeta, bucketUsers, bucketUsersByEmail, bucketClients,
	bucketAuthRequests, bucketAuthCodes, bucketCodesByRequest,
	bucketAccessTokens, bucketRefreshTokens, bucketTokensByFamily, bucketTokensByUser,
	bucketSessions, bucketSessionsByUser, bucketLogouts, bucketSigningKeys, bucketSecrets,
	bucketMFAStates, bucketOTPChallenges, bucketOTPByExpiry,
	bucketWebAuthnHandles, bucketWebAuthnUsers, bucketWebAuthnCreds, bucketWebAuthnCredsByUser,
	bucketWebAuthnSessions, bucketWebAuthnByExpiry, bucketLoginAttempts,
	bucketAudit,
	bucketPasswordResets, bucketPasswordResetsByUser,
	bucketAvatars,
	bucketAccounts, bucketAccountsByParent, bucketAccountsByAncestor, bucketAccountsByVATRecheck,
	bucketMemberships, bucketMembershipsByUser,
	bucketInvitations, bucketInvitationsByAccount, bucketInvitationsByEmail, bucketInvitationsByToken,
	bucketAuditByAccount,
	bucketClientsByAccount,
	bucketDeniedTokens,
	bucketMailQueue, bucketMailQueueByDue,
	bucketLeases,
}

// Options configures Open.
type Options struct {
	// Timeout is how long Open waits for the exclusive file lock;
	// DefaultTimeout when zero. Open never waits forever.
	Timeout time.Duration
	// NoSync skips fsync after each commit. It is unsafe (a crash can
	// corrupt the file) and meant for tests only.
	NoSync bool
}

// DB is a storage.Store on a bbolt file. It is safe for concurrent use.
type DB struct {
	bolt  *bolt.DB
	path  string
	group *grouper
}

// Open opens (creating if needed, with mode 0600) the bbolt file at path,
// creates every bucket and records storage.SchemaVersion. It fails with an
// error wrapping ErrInUse when the file stays locked for opts.Timeout, and
// with one wrapping ErrNewerSchema when the file was written by a newer
// schema. The directory of path must exist.
func Open(path string, opts Options) (*DB, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	bdb, err := safeOpen(path, &bolt.Options{Timeout: timeout, NoSync: opts.NoSync})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open bolt db %s: lock not acquired within %s (is a gatehouse server running on it?): %w", path, timeout, ErrInUse)
		}
		return nil, fmt.Errorf("open bolt db %s: %w", path, err)
	}
	if err := safeUpdate(bdb, initSchema); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open bolt db %s: %w", path, err)
	}
	// TouchSession's bbolt batches wait at most this long for company;
	// bbolt's 10 ms default would dominate a request's latency.
	bdb.MaxBatchDelay = batchDelay
	return &DB{bolt: bdb, path: path, group: &grouper{db: bdb}}, nil
}

// safeOpen opens the bbolt file, reporting a panic of bbolt on a damaged
// meta or freelist page as an error wrapping ErrDamaged.
func safeOpen(path string, o *bolt.Options) (bdb *bolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			bdb, err = nil, fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	return bolt.Open(path, 0o600, o)
}

// safeUpdate runs fn in an update transaction and reports a panic of
// bbolt on a damaged page as an error wrapping ErrDamaged; bbolt rolls the
// transaction back before the panic reaches here.
func safeUpdate(bdb *bolt.DB, fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	return bdb.Update(fn)
}

// batchDelay is how long a batched write waits for others to share its
// commit: about one fsync on an SSD.
const batchDelay = time.Millisecond

// initSchema checks the recorded schema version before it writes anything,
// then creates the buckets and records the version.
func initSchema(tx *bolt.Tx) error {
	if meta := tx.Bucket([]byte(bucketMeta)); meta != nil {
		if v := meta.Get([]byte(keySchemaVersion)); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("schema version: malformed value of %d bytes", len(v))
			}
			got := binary.BigEndian.Uint64(v)
			if got > storage.SchemaVersion {
				return fmt.Errorf("file has schema version %d, this build supports %d: %w", got, storage.SchemaVersion, ErrNewerSchema)
			}
			// Older versions are upgraded below: every change so far
			// only adds buckets, filled when they are new.
		}
	}
	backfill := tx.Bucket([]byte(bucketAuditByAccount)) == nil && tx.Bucket([]byte(bucketAudit)) != nil
	backfillClients := tx.Bucket([]byte(bucketClientsByAccount)) == nil && tx.Bucket([]byte(bucketClients)) != nil
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	// Version 1 files have no account index of the audit log.
	if backfill {
		if err := backfillAuditByAccount(tx); err != nil {
			return fmt.Errorf("upgrade to schema version 2: %w", err)
		}
	}
	// Files before version 3 have no account index of clients.
	if backfillClients {
		if err := backfillClientsByAccount(tx); err != nil {
			return fmt.Errorf("upgrade to schema version 3: %w", err)
		}
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], storage.SchemaVersion)
	if err := tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchemaVersion), v[:]); err != nil {
		return fmt.Errorf("record schema version: %w", err)
	}
	return nil
}

// Path returns the file the DB was opened on.
func (db *DB) Path() string { return db.path }

// Close releases the file lock. It is safe to call once.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close bolt db: %w", err)
	}
	return nil
}

// Health reports whether the database is open and its schema is readable.
func (db *DB) Health(ctx context.Context) error {
	return db.view(ctx, func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		if meta == nil || meta.Get([]byte(keySchemaVersion)) == nil {
			return errors.New("health: schema version missing")
		}
		return nil
	})
}

// update runs fn in one read-write transaction, committed when fn returns
// nil.
func (db *DB) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(fn)
}

// batch runs fn in a read-write transaction shared with concurrent
// callers (group.go), so that they share one commit and its fsync. fn may
// run more than once (only one run commits) and must be safe to repeat.
func (db *DB) batch(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.group.do(fn)
}

// view runs fn in one read-only transaction.
func (db *DB) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}

// bucket returns a bucket that Open created.
func bucket(tx *bolt.Tx, name string) *bolt.Bucket {
	return tx.Bucket([]byte(name))
}

// indexKey joins parts with the index separator. IDs never contain a zero
// byte.
func indexKey(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, indexSeparator)
		}
		k = append(k, p...)
	}
	return k
}

// indexPrefix is indexKey(parts...) followed by a separator, for prefix
// scans.
func indexPrefix(parts ...string) []byte {
	return append(indexKey(parts...), indexSeparator)
}

// scanPrefix returns copies of the keys of b that start with prefix. The
// keys are collected first so that callers may delete them afterwards.
func scanPrefix(b *bolt.Bucket, prefix []byte) [][]byte {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	return keys
}

// lastPart returns what follows the last separator of an index key.
func lastPart(k []byte) string {
	return string(k[bytes.LastIndexByte(k, indexSeparator)+1:])
}

// checkID refuses an empty ID or one that would corrupt an index key.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s: empty id", what)
	}
	if bytes.IndexByte([]byte(id), indexSeparator) >= 0 {
		return fmt.Errorf("%s: id contains a zero byte", what)
	}
	return nil
}

// getRecord decodes the JSON value under key in the named bucket into a
// record of type R. It returns storage.ErrNotFound when the key is absent.
// json.Unmarshal copies everything it decodes, so the record stays valid
// after the transaction.
func getRecord[R any](tx *bolt.Tx, name string, key []byte) (R, error) {
	v := bucket(tx, name).Get(key)
	if v == nil {
		var r R
		return r, storage.ErrNotFound
	}
	return decodeRecord[R](name, v)
}

// decodeRecord decodes a JSON value of the named bucket into a record of
// type R.
func decodeRecord[R any](name string, v []byte) (R, error) {
	var r R
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("decode %s record: %w", name, err)
	}
	return r, nil
}

// putRecord stores r as JSON under key in the named bucket.
func putRecord(tx *bolt.Tx, name string, key []byte, r any) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode %s record: %w", name, err)
	}
	if err := bucket(tx, name).Put(key, v); err != nil {
		return fmt.Errorf("put %s record: %w", name, err)
	}
	return nil
}

// utc returns t in UTC without a monotonic reading, or the zero time.
// Records hold times through utc and encode them with omitzero, so a zero
// time round-trips as the zero time.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// isNotFound reports whether err is storage.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
