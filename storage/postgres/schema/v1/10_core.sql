-- Core tables (users, clients, auth requests and codes, sessions, logouts,
-- signing keys, secrets). Every record table keeps the JSON of the storage
-- type in data; the other columns are derived from it at every write.
-- Text that is ordered or paged on uses COLLATE "C" (byte order, as bbolt
-- keys). Timestamps are NOT NULL and hold the record's time in UTC, the
-- zero time.Time as 0001-01-01 00:00:00+00, so that a sweep's
-- "expires_at <= now" and "last_seen_at < idle" treat a zero time as
-- long past, as storage/boltdb does. redeemed_at is the one nullable
-- timestamp: NULL until the code is redeemed.

CREATE TABLE users (
	id         text COLLATE "C" PRIMARY KEY,
	email_norm text COLLATE "C" NOT NULL UNIQUE, -- storage.NormalizeEmail(Email)
	created_at timestamptz NOT NULL,
	data       jsonb NOT NULL
);

CREATE TABLE clients (
	id         text COLLATE "C" PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL DEFAULT '', -- '' for none
	kind       text NOT NULL,                        -- storage.ClientKind
	created_at timestamptz NOT NULL,
	data       jsonb NOT NULL
);
CREATE INDEX clients_by_account ON clients (account_id, kind, id) WHERE account_id <> '';

CREATE TABLE auth_requests (
	id         text COLLATE "C" PRIMARY KEY,
	client_id  text COLLATE "C" NOT NULL,
	expires_at timestamptz NOT NULL,
	data       jsonb NOT NULL
);
CREATE INDEX auth_requests_by_expiry ON auth_requests (expires_at);

-- Codes outlive their request (tombstones for reuse detection), so there is
-- no foreign key to auth_requests.
CREATE TABLE auth_codes (
	hash            bytea PRIMARY KEY,
	auth_request_id text COLLATE "C" NOT NULL,
	expires_at      timestamptz NOT NULL,
	redeemed_at     timestamptz, -- NULL until redeemed
	data            jsonb NOT NULL
);
CREATE INDEX auth_codes_by_request ON auth_codes (auth_request_id);
CREATE INDEX auth_codes_by_expiry ON auth_codes (expires_at);

CREATE TABLE sessions (
	id           text COLLATE "C" PRIMARY KEY,
	user_id      text COLLATE "C" NOT NULL,
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	data         jsonb NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at DESC, id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

CREATE TABLE logouts (
	id         text COLLATE "C" PRIMARY KEY,
	expires_at timestamptz NOT NULL,
	data       jsonb NOT NULL
);
CREATE INDEX logouts_by_expiry ON logouts (expires_at);

CREATE TABLE signing_keys (
	id         text COLLATE "C" PRIMARY KEY,
	algorithm  text NOT NULL,
	created_at timestamptz NOT NULL,
	data       jsonb NOT NULL
);
CREATE INDEX signing_keys_by_algorithm ON signing_keys (algorithm, created_at, id);

CREATE TABLE secrets (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);
