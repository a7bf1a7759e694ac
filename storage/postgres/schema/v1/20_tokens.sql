-- Tokens and credentials (pgtok): access and refresh tokens, the deny-list
-- of self-contained tokens, second-factor state, one-time code challenges,
-- WebAuthn handles, credentials and ceremony sessions, password failure
-- counters, password resets, avatars and the mail queue.
--
-- Every record is one row: data holds the JSON of the storage type, the
-- other columns are derived from it at every write and carry what is
-- looked up, unique, ordered or swept. As in 10_core.sql, identifiers
-- compare bytewise (COLLATE "C") and timestamps are NOT NULL, in UTC, the
-- zero time.Time as 0001-01-01 00:00:00+00, so that a sweep's
-- "expires_at <= now" treats a zero expiry as long past, as storage/boltdb
-- does. used_at is nullable: NULL until the token or link is used.
-- These tables reference users by ID without a foreign key: the contract
-- has no user deletion, and the records of a user may be written before or
-- without the user (the conformance suite does so).

CREATE TABLE access_tokens (
	id text COLLATE "C" PRIMARY KEY,
	client_id text COLLATE "C" NOT NULL,
	subject text COLLATE "C" NOT NULL,
	refresh_family_id text COLLATE "C",
	expires_at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE INDEX access_tokens_by_subject ON access_tokens (subject, client_id);
CREATE INDEX access_tokens_by_family ON access_tokens (refresh_family_id)
	WHERE refresh_family_id IS NOT NULL;
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
	id text COLLATE "C" PRIMARY KEY,
	family_id text COLLATE "C",
	client_id text COLLATE "C" NOT NULL,
	user_id text COLLATE "C" NOT NULL,
	access_token_id text COLLATE "C",
	expires_at timestamptz NOT NULL,
	used_at timestamptz, -- NULL until used
	data jsonb NOT NULL
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id)
	WHERE family_id IS NOT NULL;
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id, client_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- Revoked self-contained tokens until they expire; expires_at is whole
-- seconds, as the deny-list compares Unix seconds.
CREATE TABLE denied_tokens (
	jti text COLLATE "C" PRIMARY KEY,
	expires_at timestamptz NOT NULL
);
CREATE INDEX denied_tokens_by_expiry ON denied_tokens (expires_at);

CREATE TABLE mfa_states (
	user_id text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

CREATE TABLE otp_challenges (
	id text COLLATE "C" PRIMARY KEY,
	user_id text COLLATE "C" NOT NULL,
	expires_at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE INDEX otp_challenges_by_expiry ON otp_challenges (expires_at);

-- One WebAuthn user handle per user, and one user per handle.
CREATE TABLE webauthn_handles (
	user_id text COLLATE "C" PRIMARY KEY,
	handle bytea NOT NULL UNIQUE CHECK (length(handle) > 0)
);

CREATE TABLE webauthn_credentials (
	id bytea PRIMARY KEY CHECK (length(id) > 0),
	user_id text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE INDEX webauthn_credentials_by_user ON webauthn_credentials (user_id, created_at, id);

CREATE TABLE webauthn_sessions (
	id text COLLATE "C" PRIMARY KEY,
	expires_at timestamptz NOT NULL,
	data jsonb NOT NULL
);
CREATE INDEX webauthn_sessions_by_expiry ON webauthn_sessions (expires_at);

CREATE TABLE login_attempts (
	user_id text COLLATE "C" PRIMARY KEY,
	data jsonb NOT NULL
);

CREATE TABLE password_resets (
	id text COLLATE "C" PRIMARY KEY,
	user_id text COLLATE "C" NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz, -- NULL until used
	data jsonb NOT NULL
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
CREATE INDEX password_resets_by_expiry ON password_resets (expires_at);

-- Pictures are stored as bytes, not inside JSON.
CREATE TABLE avatars (
	user_id text COLLATE "C" PRIMARY KEY,
	content_type text NOT NULL,
	image bytea NOT NULL
);

-- The outbox: DueMail reads the due index from its start.
CREATE TABLE mail_queue (
	id text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	due_at timestamptz NOT NULL, -- never zero: EnqueueMail refuses it
	data jsonb NOT NULL
);
CREATE INDEX mail_queue_by_due ON mail_queue (due_at, id);
