package regulate

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// KeyForRequest returns the rate-limit key of the client that sent r: its
// IPv4 address, or its IPv6 /64 prefix (one subscriber usually holds a
// whole /64, so single addresses would be free to rotate), for example
// "203.0.113.7" or "2001:db8:1:2::/64". IPv4-mapped IPv6 addresses count
// as IPv4.
//
// The client is the peer of the connection (r.RemoteAddr) unless that peer
// is in trustedProxies. Then X-Forwarded-For is read from right to left,
// skipping trusted proxies, and the first address that is not one is the
// client; entries to its left were written by the client and are ignored.
// When every entry is trusted the leftmost is used, and an entry that does
// not parse stops the walk at the last address that did. Pass no proxies
// when Gatehouse faces the internet directly. When RemoteAddr is not an
// IP address (a Unix socket), it is returned as is.
func KeyForRequest(r *http.Request, trustedProxies []netip.Prefix) string {
	peer, ok := parseAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	client := peer
	if trusted(peer, trustedProxies) {
		client = forwardedClient(r.Header.Values("X-Forwarded-For"), peer, trustedProxies)
	}
	return addrKey(client)
}

// forwardedClient walks the X-Forwarded-For entries (several headers count
// as one list, in order) from the right.
func forwardedClient(headers []string, peer netip.Addr, trustedProxies []netip.Prefix) netip.Addr {
	var hops []string
	for _, h := range headers {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseAddr(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		client = a
		if !trusted(a, trustedProxies) {
			break
		}
	}
	return client
}

// parseAddr accepts "ip", "ip:port", "[ipv6]" and "[ipv6]:port", and
// drops any IPv6 zone and IPv4-in-IPv6 mapping.
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func trusted(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func addrKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

type retryAfterKey struct{}

// RetryAfter returns how long the client must wait, in the request that
// Middleware hands to its onLimited handler, so that a page can say
// "try again in N seconds". It is zero elsewhere.
func RetryAfter(ctx context.Context) time.Duration {
	d, _ := ctx.Value(retryAfterKey{}).(time.Duration)
	return d
}

// RetryAfterSeconds rounds d up to whole seconds, at least one, as the
// Retry-After header wants it.
func RetryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Middleware limits the requests it wraps by the key keyFn returns (nil
// means KeyForRequest with no trusted proxies). An empty key is not
// limited. A limited request gets a Retry-After header in seconds and is
// handed to onLimited, with RetryAfter set in its context, instead of the
// next handler; its status is 429 Too Many Requests unless onLimited sets
// an error status of its own. A nil onLimited answers with a plain text
// 429.
//
// Apply it to the routes that spend effort (the POSTs of the sign-in,
// code, registration and reset forms), not to the GETs that show them.
func (l *Limiter) Middleware(keyFn func(*http.Request) string, onLimited http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return l.limit(keyFn, onLimited, "too many requests, try again later", func(w http.ResponseWriter, r *http.Request, _ string) {
			next.ServeHTTP(w, r)
		})
	}
}

// limit is the body of Middleware and GuardFailures. It takes a token for
// the request's key (keyFn, nil meaning KeyForRequest with no trusted
// proxies) and hands the request to pass with the key, or with "" when
// the key is empty and so not limited. A request over the limit gets a
// Retry-After header and onLimited (nil: a plain text 429 saying msg),
// with RetryAfter set in its context.
func (l *Limiter) limit(keyFn func(*http.Request) string, onLimited http.Handler, msg string, pass func(w http.ResponseWriter, r *http.Request, key string)) http.Handler {
	if keyFn == nil {
		keyFn = func(r *http.Request) string { return KeyForRequest(r, nil) }
	}
	if onLimited == nil {
		onLimited = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, msg, http.StatusTooManyRequests)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := keyFn(r)
		if key == "" {
			pass(w, r, "")
			return
		}
		if ok, wait := l.Allow(key); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(wait)))
			ctx := context.WithValue(r.Context(), retryAfterKey{}, wait)
			onLimited.ServeHTTP(&tooManyWriter{ResponseWriter: w}, r.WithContext(ctx))
			return
		}
		pass(w, r, key)
	})
}

// tooManyWriter turns a success status written by an onLimited page
// renderer into 429, keeping error statuses.
type tooManyWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *tooManyWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code < 400 {
		code = http.StatusTooManyRequests
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tooManyWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusTooManyRequests)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *tooManyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
