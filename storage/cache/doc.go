// Package cache decorates a storage.Store with short-lived caches of the
// records every token request reads: today the clients, which a token
// request reads once or twice. Writes made through the decorator
// invalidate at once; writes by another process are seen within the TTL.
package cache
