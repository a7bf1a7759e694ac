// Package storage defines Gatehouse's persistent data and the interfaces that
// every storage backend implements.
//
// The package is the contract between the domain (provider, login, iam, the
// CLI) and the backends (storage/boltdb today, storage/postgres later). It
// imports only the standard library and leaks no backend type. Every value
// type is a plain struct with UTC times; secrets never appear in clear, only
// as digests or as ciphertext sealed by the caller.
//
// Every exported method of a backend is one transaction. Methods that must be
// atomic say so in their comment, and storage/storagetest proves it for every
// backend.
package storage
