package regulate

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestKeyForRequest(t *testing.T) {
	proxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name       string
		remoteAddr string
		xff        []string // X-Forwarded-For headers, in order
		trusted    []netip.Prefix
		want       string
	}{
		{"IPv4", "203.0.113.7:51234", nil, nil, "203.0.113.7"},
		{"IPv4 without port", "203.0.113.7", nil, nil, "203.0.113.7"},
		{"IPv6 grouped by /64", "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", nil, nil, "2001:db8:1:2::/64"},
		{"IPv6 same /64", "[2001:db8:1:2::1]:443", nil, nil, "2001:db8:1:2::/64"},
		{"IPv6 next /64", "[2001:db8:1:3::1]:443", nil, nil, "2001:db8:1:3::/64"},
		{"IPv6 with zone", "[fe80::1%eth0]:443", nil, nil, "fe80::/64"},
		{"IPv4-mapped IPv6", "[::ffff:203.0.113.7]:443", nil, nil, "203.0.113.7"},
		{"XFF ignored without trusted proxies", "203.0.113.7:1", []string{"198.51.100.1"}, nil, "203.0.113.7"},
		{"XFF ignored from an untrusted peer", "203.0.113.7:1", []string{"198.51.100.1"}, proxies, "203.0.113.7"},
		{"XFF honoured from a trusted peer", "10.1.2.3:1", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"XFF IPv6 client grouped", "10.1.2.3:1", []string{"2001:db8:9:9::42"}, proxies, "2001:db8:9:9::/64"},
		{"XFF spoofed entries left of the client ignored", "10.1.2.3:1", []string{"1.2.3.4, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"XFF chain of trusted proxies skipped", "10.1.2.3:1", []string{"198.51.100.1, 10.9.9.9, fd00::1"}, proxies, "198.51.100.1"},
		{"XFF split over two headers", "10.1.2.3:1", []string{"1.2.3.4", "198.51.100.1, 10.9.9.9"}, proxies, "198.51.100.1"},
		{"XFF all trusted uses the leftmost", "10.1.2.3:1", []string{"10.0.0.1, 10.0.0.2"}, proxies, "10.0.0.1"},
		{"XFF garbage stops at the last good hop", "10.1.2.3:1", []string{"garbage, 10.0.0.2"}, proxies, "10.0.0.2"},
		{"XFF garbage from the client is ignored", "10.1.2.3:1", []string{"garbage, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"XFF with ports", "10.1.2.3:1", []string{"198.51.100.1:5555"}, proxies, "198.51.100.1"},
		{"XFF bracketed IPv6", "10.1.2.3:1", []string{"[2001:db8::1]"}, proxies, "2001:db8::/64"},
		{"trusted peer without XFF", "10.1.2.3:1", nil, proxies, "10.1.2.3"},
		{"Unix socket", "@", nil, proxies, "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.RemoteAddr = tt.remoteAddr
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := KeyForRequest(r, tt.trusted); got != tt.want {
				t.Errorf("KeyForRequest(%q, XFF %q) = %q, want %q", tt.remoteAddr, tt.xff, got, tt.want)
			}
		})
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 1},
		{1, 1},
		{time.Second, 1},
		{time.Second + 1, 2},
		{6 * time.Second, 6},
		{15 * time.Minute, 900},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "signed in")
	})
	renderer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A page renderer that does not set a status.
		fmt.Fprintf(w, "slow down, try again in %d s", RetryAfterSeconds(RetryAfter(r.Context())))
	})
	failing := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	explicit200 := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.WriteHeader(http.StatusOK) // a second call is ignored
	})
	tests := []struct {
		name       string
		onLimited  http.Handler
		keyFn      func(*http.Request) string
		wantStatus int
		wantBody   string
		wantRetry  string
	}{
		{"page renderer", renderer, nil, http.StatusTooManyRequests, "slow down, try again in 6 s", "6"},
		{"default answer", nil, nil, http.StatusTooManyRequests, "too many requests, try again later\n", "6"},
		{"renderer error kept", failing, nil, http.StatusInternalServerError, "", "6"},
		{"explicit 200 becomes 429", explicit200, nil, http.StatusTooManyRequests, "", "6"},
		{"empty key not limited", renderer, func(*http.Request) string { return "" }, http.StatusOK, "signed in", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			l := PerMinute(10).NewLimiter(clock.Now)
			h := l.Middleware(tt.keyFn, tt.onLimited)(ok)
			var w *httptest.ResponseRecorder
			for i := range 11 {
				r := httptest.NewRequest(http.MethodPost, "/login", nil)
				r.RemoteAddr = "203.0.113.7:4000"
				w = httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if i < 10 && (w.Code != http.StatusOK || w.Header().Get("Retry-After") != "") {
					t.Fatalf("request %d = %d, Retry-After %q, want 200 within the burst", i+1, w.Code, w.Header().Get("Retry-After"))
				}
			}
			if w.Code != tt.wantStatus {
				t.Errorf("11th request status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("11th request body = %q, want %q", got, tt.wantBody)
			}
			if got := w.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("11th request Retry-After = %q, want %q", got, tt.wantRetry)
			}
		})
	}
}

func TestMiddlewareSeparatesClients(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 1, clock.Now)
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := l.Middleware(func(r *http.Request) string { return KeyForRequest(r, proxies) }, nil)(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	send := func(remote, xff string) int {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	tests := []struct {
		remote, xff string
		want        int
	}{
		{"10.0.0.1:1", "198.51.100.1", http.StatusOK},
		{"10.0.0.2:1", "198.51.100.1", http.StatusTooManyRequests}, // same client, other proxy
		{"10.0.0.1:1", "198.51.100.2", http.StatusOK},              // other client, same proxy
		{"[2001:db8::1]:1", "", http.StatusOK},
		{"[2001:db8::2]:1", "", http.StatusTooManyRequests}, // same /64
		{"203.0.113.9:1", "198.51.100.3", http.StatusOK},
		{"203.0.113.9:2", "198.51.100.4", http.StatusTooManyRequests}, // XFF from an untrusted peer changes nothing
	}
	for i, tt := range tests {
		if got := send(tt.remote, tt.xff); got != tt.want {
			t.Errorf("request %d from %s (XFF %q) = %d, want %d", i+1, tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestRetryAfterOutsideMiddleware(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if got := RetryAfter(r.Context()); got != 0 {
		t.Errorf("RetryAfter() = %v outside the middleware, want 0", got)
	}
}
