-- Background-job leases (storage.Leases): one row per held lease; a
-- released lease has no row.
CREATE TABLE leases (
	name       text COLLATE "C" PRIMARY KEY,
	holder     text NOT NULL,
	expires_at timestamptz NOT NULL
);
