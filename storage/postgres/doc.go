// Package postgres is a storage.Store on PostgreSQL, through the pgx driver
// and its connection pool.
//
// Records are stored the way storage/boltdb stores them: one row per
// record, whose data column (jsonb) holds the JSON of the storage type with
// its times in UTC, next to real columns for what is looked up, unique,
// ordered, swept or counted. Column values are derived from the record at
// every write, and unique constraints report storage.ErrAlreadyExists.
//
// Open applies the embedded schema (schema/v1/*.sql is version 1) under a
// transaction-scoped advisory lock, so that several processes starting at
// once migrate the database exactly once, and refuses a database written by
// a newer build.
//
// Every exported method is one statement or one transaction. Transactions
// that fail with a serialization failure or a deadlock are retried as a
// whole, so the functions that callers pass to UpdateX methods may run more
// than once.
package postgres
