package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/metrics"
)

// readMetrics reads url (a /metrics) with the Prometheus text parser.
func readMetrics(t *testing.T, u string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", u, res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", u, err)
	}
	return fams
}

// sumMetric adds up the counters, gauges or histogram counts of family
// name over the series whose labels include want; -1 when the family is
// missing.
func sumMetric(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	var sum float64
	for _, s := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case s.Counter != nil:
			sum += s.GetCounter().GetValue()
		case s.Gauge != nil:
			sum += s.GetGauge().GetValue()
		case s.Histogram != nil:
			sum += float64(s.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestMetricsEndToEnd drives a refused /authorize, a sign-in with its
// e-mail code, a code exchange, a refresh and a client-credentials grant
// through the server, then reads /metrics with the Prometheus text parser
// and finds every metric family of issue 13 with the counts they caused.
func TestMetricsEndToEnd(t *testing.T) {
	e := startE2EFull(t, map[string]string{"GATEHOUSE_METRICS_ENABLED": "true", "GATEHOUSE_LIMITS_AUTHORIZE_PER_MINUTE": "3"}, hooks{})
	for i := 0; i < 4; i++ {
		res, err := http.Get(e.srv.url + "/authorize?client_id=nobody")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	e.clock.Advance(2 * time.Minute) // the limiter refills

	b := newBrowser(t)
	code, verifier := e.authorize(t, b, "n-metrics")
	tok, err := e.exchange(t, code, verifier)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	ctx := context.Background()
	if _, err := e.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token(); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	cc := clientcredentials.Config{ClientID: e.oauth.ClientID, ClientSecret: e.oauth.ClientSecret, TokenURL: e.rewrite(e.provider.Endpoint().TokenURL)}
	if _, err := cc.Token(ctx); err != nil {
		t.Fatalf("client_credentials: %v", err)
	}

	fams := readMetrics(t, e.srv.url+"/metrics")
	tests := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{metrics.NameHTTPRequests, map[string]string{"route": "/oauth/token", "code": "200"}, 3},
		{metrics.NameHTTPRequests, map[string]string{"route": "/authorize", "code": "429"}, 1},
		{metrics.NameHTTPRequests, map[string]string{"route": "/login/*"}, 2},
		{metrics.NameHTTPDuration, map[string]string{"route": "/oauth/token"}, 3},
		{metrics.NameRateLimited, map[string]string{"route": "/authorize"}, 1},
		{metrics.NameSignIns, map[string]string{"result": metrics.ResultSuccess}, 1},
		{metrics.NameCodesSent, map[string]string{"channel": metrics.ChannelEmail}, 1},
		{metrics.NameCodesSent, map[string]string{"channel": metrics.ChannelSMS}, 0},
		{metrics.NameTokensIssued, map[string]string{"grant": metrics.GrantAuthorizationCode}, 1},
		{metrics.NameTokensIssued, map[string]string{"grant": metrics.GrantRefreshToken}, 1},
		{metrics.NameTokensIssued, map[string]string{"grant": metrics.GrantClientCredentials}, 1},
		{metrics.NameStorageDuration, map[string]string{"operation": "IssueTokens"}, 2}, // code and refresh; client_credentials writes nothing
		{metrics.NameStorageDuration, map[string]string{"operation": "UpdateAuthRequest"}, 1},
		{metrics.NameStorageDuration, map[string]string{"operation": "GetClient"}, 1},
		{metrics.NameArgon2Waiting, nil, 0},
		{metrics.NameArgon2InFlight, nil, 0},
		{metrics.NameArgon2Computations, nil, 1},
	}
	for _, tt := range tests {
		got := sumMetric(fams, tt.name, tt.labels)
		if got < tt.min {
			t.Errorf("%s%v = %v, want at least %v", tt.name, tt.labels, got, tt.min)
		}
	}
	// Exact counts where the test knows them all.
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.NameRateLimited, map[string]string{"route": "/authorize"}, 1},
		{metrics.NameTokensIssued, map[string]string{"grant": metrics.GrantAuthorizationCode}, 1},
		{metrics.NameTokensIssued, map[string]string{"grant": metrics.GrantRefreshToken}, 1},
		{metrics.NameSignIns, map[string]string{"result": metrics.ResultSuccess}, 1},
		// A password and an e-mailed code (amr otp), not "other".
		{metrics.NameSignIns, map[string]string{"result": metrics.ResultSuccess, "method": "password+otp"}, 1},
	} {
		if got := sumMetric(fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	for name, f := range fams {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "route" && strings.Contains(l.GetValue(), "nobody") {
					t.Errorf("%s has the raw path %q as its route", name, l.GetValue())
				}
			}
		}
	}
}

// TestMetricsListener: with metrics.listen, /metrics is served there and
// not on the public listener; without metrics.enabled it is nowhere.
func TestMetricsListener(t *testing.T) {
	get := func(t *testing.T, u string) int {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	t.Run("own listener", func(t *testing.T) {
		env := testEnv(t.TempDir())
		env["GATEHOUSE_METRICS_ENABLED"] = "true"
		env["GATEHOUSE_METRICS_LISTEN"] = "127.0.0.1:0"
		addr := make(chan string, 1)
		ts := startServerWith(t, env, hooks{metricsReady: func(a string) { addr <- a }})
		u := "http://" + <-addr + "/metrics"
		if got := get(t, ts.url+"/healthz"); got != http.StatusOK {
			t.Errorf("GET /healthz = %d, want 200", got)
		}
		fams := readMetrics(t, u)
		if got := sumMetric(fams, metrics.NameHTTPRequests, map[string]string{"route": "/healthz", "code": "200"}); got != 1 {
			t.Errorf("%s{route=/healthz} = %v, want 1", metrics.NameHTTPRequests, got)
		}
		if got := get(t, ts.url+"/metrics"); got != http.StatusNotFound {
			t.Errorf("GET /metrics on the public listener = %d, want 404", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		ts := startServer(t, testEnv(t.TempDir()))
		if got := get(t, ts.url+"/metrics"); got != http.StatusNotFound {
			t.Errorf("GET /metrics with metrics off = %d, want 404", got)
		}
	})
}

// TestHealthAndRequestIDs: /healthz and /readyz answer on the public
// listener, every answer carries X-Request-ID (the caller's when valid),
// and the JSON log lines of a request carry it as request_id.
func TestHealthAndRequestIDs(t *testing.T) {
	env := testEnv(t.TempDir())
	env["GATEHOUSE_LOG_FORMAT"] = "json"
	env["GATEHOUSE_LOG_LEVEL"] = "debug"
	ts := startServer(t, env)
	tests := []struct {
		method, path, sentID string
		wantStatus           int
		wantID               string // "" means a new 32-hex ID
	}{
		{http.MethodGet, "/healthz", "check-42", http.StatusOK, "check-42"},
		{http.MethodGet, "/readyz", "ready-1", http.StatusOK, "ready-1"},
		{http.MethodHead, "/healthz", "", http.StatusOK, ""},
		{http.MethodPost, "/healthz", "", http.StatusMethodNotAllowed, ""},
		{http.MethodGet, "/no/such/page", "bad id with spaces", http.StatusNotFound, ""},
		{http.MethodGet, "/.well-known/openid-configuration", strings.Repeat("x", 200), http.StatusOK, ""},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, ts.url+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.sentID != "" {
			req.Header.Set(headerRequestID, tt.sentID)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		got := res.Header.Get(headerRequestID)
		if res.StatusCode != tt.wantStatus {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, res.StatusCode, tt.wantStatus)
		}
		if tt.wantID != "" && got != tt.wantID || tt.wantID == "" && !isNewRequestID(got) {
			t.Errorf("%s %s X-Request-ID = %q, want %q (or a new 32-hex ID)", tt.method, tt.path, got, tt.wantID)
		}
	}
	// The log line of the first request carries its ID.
	found := false
	for _, l := range jsonLines(t, ts.stderr.String()) {
		if l["request_id"] == "check-42" && l["msg"] == "request" && l["route"] == "/healthz" {
			found = true
		}
	}
	if !found {
		t.Errorf("no JSON log line with request_id check-42 for /healthz in:\n%s", ts.stderr)
	}
	if strings.Contains(ts.stderr.String(), "bad id with spaces") {
		t.Error("an invalid incoming request ID reached the log")
	}
}

// isNewRequestID reports whether s is a request ID the server made: 32
// hex digits.
func isNewRequestID(s string) bool {
	return len(s) == 32 && strings.Trim(s, "0123456789abcdef") == ""
}
