-- Accounts, memberships, invitations and the audit log (pgacct).
--
-- Every table keeps the record's JSON in data and, beside it, the columns
-- that are looked up, unique, ordered or counted; the Go code derives them
-- from the record at every write. Keys use COLLATE "C" so that paging
-- orders them byte by byte, as the bbolt backend does.

-- accounts is the account tree. parent_id is NULL for a top-level account;
-- vat_next_check_at is VAT.NextCheckAt, NULL when no re-check is due.
CREATE TABLE accounts (
    id                text COLLATE "C" PRIMARY KEY,
    parent_id         text COLLATE "C" REFERENCES accounts (id),
    vat_next_check_at timestamptz,
    data              jsonb NOT NULL
);

-- The children of an account, and the top-level accounts, in ID order.
CREATE INDEX accounts_by_parent ON accounts (parent_id, id);
CREATE INDEX accounts_top_level ON accounts (id) WHERE parent_id IS NULL;

-- The accounts due for a VAT re-check, earliest first.
CREATE INDEX accounts_by_vat_recheck ON accounts (vat_next_check_at, id)
    WHERE vat_next_check_at IS NOT NULL;

-- account_ancestors holds one row per account and ancestor, so that the
-- descendants of an account are one ordered index range.
CREATE TABLE account_ancestors (
    ancestor_id text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id  text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (ancestor_id, account_id)
);

-- account_count is the number of accounts, kept by CreateAccount, so that
-- CountAccounts reads one row.
CREATE TABLE account_count (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    n   bigint  NOT NULL CHECK (n >= 0)
);
INSERT INTO account_count (one, n) VALUES (true, 0);

-- memberships holds every membership, active and removed. The partial
-- unique index refuses a second active Owner even if the code let one by.
CREATE TABLE memberships (
    account_id text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    text COLLATE "C" NOT NULL,
    role       text NOT NULL,
    active     boolean NOT NULL,
    data       jsonb NOT NULL,
    PRIMARY KEY (account_id, user_id)
);

CREATE INDEX memberships_by_user ON memberships (user_id, account_id);

CREATE UNIQUE INDEX memberships_one_owner ON memberships (account_id)
    WHERE role = 'owner' AND active;

-- invitations holds invitations in every state. email is the normalised
-- address; token_hash is the digest of the link's token, never the token.
CREATE TABLE invitations (
    id         text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email      text COLLATE "C" NOT NULL,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) > 0),
    state      text NOT NULL,
    data       jsonb NOT NULL
);

CREATE INDEX invitations_by_account ON invitations (account_id, id);
CREATE INDEX invitations_by_email ON invitations (email, id);

-- audit_events is the audit log, keyed like the bbolt log by time, then
-- ID. account_id is NULL for an event of no account. Events are not tied
-- to accounts by a foreign key: the log outlives what it records.
CREATE TABLE audit_events (
    at         timestamptz NOT NULL,
    id         text COLLATE "C" NOT NULL,
    account_id text COLLATE "C",
    actor      text COLLATE "C" NOT NULL,
    action     text COLLATE "C" NOT NULL,
    target     text COLLATE "C" NOT NULL,
    data       jsonb NOT NULL,
    PRIMARY KEY (at, id)
);

CREATE INDEX audit_events_by_account ON audit_events (account_id, at, id)
    WHERE account_id IS NOT NULL;
