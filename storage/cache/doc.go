// Package cache decorates a storage.Store with short-lived caches of the
// records every token request reads: the clients, which a token request
// reads once or twice, and the accounts, whose chain a client_credentials
// request checks (accounts.go). Writes made through the decorator
// invalidate at once; writes by another process are seen within the TTL.
package cache
