package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestRoute(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/authorize", "/authorize"},
		{"/authorize/callback", "/authorize/callback"},
		{"/authorize/elsewhere", "other"},
		{"/oauth/token", "/oauth/token"},
		{"/oauth/token/x", "other"},
		{"/.well-known/openid-configuration", "/.well-known"},
		{"/keys", "/keys"},
		{"/login", "/login/*"},
		{"/login/password", "/login/*"},
		{"/login/register/details", "/login/*"},
		{"/loginx", "other"},
		{"/profile", "/profile/*"},
		{"/profile/avatar/usr_123", "/profile/*"},
		{"/console", "/console/*"},
		{"/console/members/role", "/console/*"},
		{"/api/v1", "/api/v1/*"},
		{"/api/v1/accounts/acc_1/members", "/api/v1/*"},
		{"/api/v2/accounts", "other"},
		{"/static/app.css", "static"},
		{"/healthz", "/healthz"},
		{"/readyz", "/readyz"},
		{"/metrics", "/metrics"},
		{"/", "/"},
		{"", "other"},
		{"/no/such/page/abc123", "other"},
	}
	for _, tt := range tests {
		if got := Route(tt.path); got != tt.want {
			t.Errorf("Route(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// scrape reads m's /metrics with the Prometheus text parser.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the counter, gauge or histogram count of the series of
// family name with the labels, or -1 when it is missing.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	for _, s := range f.GetMetric() {
		match := len(s.GetLabel()) == len(labels)
		for _, l := range s.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case s.Counter != nil:
			return s.GetCounter().GetValue()
		case s.Gauge != nil:
			return s.GetGauge().GetValue()
		case s.Histogram != nil:
			return float64(s.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func TestMiddleware(t *testing.T) {
	m := New()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login/password":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/oauth/token":
			_, _ = w.Write([]byte("{}"))
		default:
			http.NotFound(w, r)
		}
	}))
	for _, p := range []string{"/login/password", "/login/password", "/oauth/token", "/nope/1", "/nope/2"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	fams := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{NameHTTPRequests, map[string]string{"route": "/login/*", "code": "429"}, 2},
		{NameHTTPRequests, map[string]string{"route": "/oauth/token", "code": "200"}, 1},
		{NameHTTPRequests, map[string]string{"route": "other", "code": "404"}, 2},
		{NameHTTPDuration, map[string]string{"route": "/login/*"}, 2},
		{NameHTTPDuration, map[string]string{"route": "other"}, 2},
		{NameRateLimited, map[string]string{"route": "/login/*"}, 2},
		{NameRateLimited, map[string]string{"route": "/oauth/token"}, -1},
	}
	for _, tt := range tests {
		if got := value(fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}

// queue is a fixed argon2 queue.
type queue struct {
	waiting, inFlight int
	computed          uint64
}

func (q queue) Waiting() int         { return q.waiting }
func (q queue) InFlight() int        { return q.inFlight }
func (q queue) Computations() uint64 { return q.computed }

func TestRecorders(t *testing.T) {
	m := New()
	m.WatchArgon2(queue{waiting: 3, inFlight: 2, computed: 9})
	m.TokenIssued(GrantAuthorizationCode)
	m.TokenIssued(GrantRefreshToken)
	m.TokenIssued(GrantRefreshToken)
	m.CodeSent(ChannelSMS)
	m.SignIn(ResultSuccess, "password+sms")
	m.SignIn(ResultFailure, "password")
	m.SignIn(ResultFailure, "made-up method from a request")
	m.StorageCall("IssueTokens", time.Millisecond, false)
	m.StorageCall("IssueTokens", time.Millisecond, true)
	fams := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{NameArgon2Waiting, nil, 3},
		{NameArgon2InFlight, nil, 2},
		{NameArgon2Computations, nil, 9},
		{NameTokensIssued, map[string]string{"grant": GrantAuthorizationCode}, 1},
		{NameTokensIssued, map[string]string{"grant": GrantRefreshToken}, 2},
		{NameTokensIssued, map[string]string{"grant": GrantClientCredentials}, 0},
		{NameCodesSent, map[string]string{"channel": ChannelSMS}, 1},
		{NameCodesSent, map[string]string{"channel": ChannelEmail}, 0},
		{NameSignIns, map[string]string{"result": ResultSuccess, "method": "password+sms"}, 1},
		{NameSignIns, map[string]string{"result": ResultFailure, "method": "password"}, 1},
		{NameSignIns, map[string]string{"result": ResultFailure, "method": "other"}, 1},
		{NameStorageDuration, map[string]string{"operation": "IssueTokens"}, 2},
		{NameStorageErrors, map[string]string{"operation": "IssueTokens"}, 1},
		{"go_goroutines", nil, -2}, // present: checked below
	}
	for _, tt := range tests {
		got := value(fams, tt.name, tt.labels)
		if tt.want == -2 {
			if got < 0 {
				t.Errorf("%s missing", tt.name)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}
