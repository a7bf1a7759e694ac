package web

import (
	"net/http"
	"net/netip"

	"github.com/gatehouse-id/gatehouse/regulate"
)

// ClientIP returns the client's address as the rate limits and the audit
// log see it: the connection's peer, or the address a trusted proxy
// forwarded (regulate.KeyForRequest).
func (s *Site) ClientIP(r *http.Request) string {
	return regulate.KeyForRequest(r, s.trustedProxies)
}

// TrustedProxies returns the proxies whose X-Forwarded-For ClientIP
// believes.
func (s *Site) TrustedProxies() []netip.Prefix { return s.trustedProxies }
