package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/metrics"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"trace:1.2_3", true},
		{strings.Repeat("a", maxRequestIDLen), true},
		{"", false},
		{strings.Repeat("a", maxRequestIDLen+1), false},
		{"has space", false},
		{"quote\"d", false},
		{"new\nline", false},
		{"ünïcode", false},
	}
	for _, tt := range tests {
		if got := validRequestID(tt.id); got != tt.want {
			t.Errorf("validRequestID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestRequestIDHandler checks that records logged with a request's
// context carry its ID, through WithAttrs and WithGroup too, and records
// without one do not.
func TestRequestIDHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(withRequestID(slog.NewJSONHandler(&buf, nil)))
	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-7")
	tests := []struct {
		name string
		log  func()
		want string // "" means no request_id
	}{
		{"context", func() { logger.InfoContext(ctx, "hello") }, "req-7"},
		{"no context", func() { logger.Info("hello") }, ""},
		{"background context", func() { logger.InfoContext(context.Background(), "hello") }, ""},
		{"with attrs", func() { logger.With("user_id", "usr_1").WarnContext(ctx, "hello") }, "req-7"},
		{"with group", func() { logger.WithGroup("g").ErrorContext(ctx, "hello") }, "req-7"},
	}
	for _, tt := range tests {
		buf.Reset()
		tt.log()
		got := regexp.MustCompile(`"request_id":"([^"]*)"`).FindStringSubmatch(buf.String())
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("%s: line %s has a request_id, want none", tt.name, buf.String())
		case tt.want != "" && (got == nil || got[1] != tt.want):
			t.Errorf("%s: line %s, want request_id %q", tt.name, buf.String(), tt.want)
		}
	}
}

// failingStore is a store whose Health fails, or blocks until its context
// ends.
type failingStore struct {
	block bool
}

func (f failingStore) Health(ctx context.Context) error {
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("disk on fire")
}

func TestReadyHandler(t *testing.T) {
	open := func(t *testing.T) *boltdb.DB {
		db, err := boltdb.Open(filepath.Join(t.TempDir(), dbFileName), boltdb.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	openDB := open(t)
	t.Cleanup(func() { openDB.Close() })
	closedDB := open(t)
	if err := closedDB.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		store healthChecker
		want  int
	}{
		{"open database", openDB, http.StatusOK},
		{"closed database", closedDB, http.StatusServiceUnavailable},
		{"failing store", failingStore{}, http.StatusServiceUnavailable},
		{"store that does not answer", failingStore{block: true}, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := readyHandler(tt.store, 50*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.want {
				t.Fatalf("GET /readyz = %d %q, want %d", rec.Code, rec.Body, tt.want)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", rec.Header().Get("Cache-Control"))
			}
			if failed := tt.want != http.StatusOK; failed != strings.Contains(logs.String(), "not ready") {
				t.Errorf("log %q: want a warning exactly when not ready", logs.String())
			}
		})
	}
}

func TestPprofHandler(t *testing.T) {
	// The admin socket's handler as serve builds it: the profiles, and the
	// API (here a stand-in answering 418) for everything else.
	srv := httptest.NewServer(withPprof(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })))
	defer srv.Close()
	tests := []struct {
		path, want string
	}{
		{"/debug/pprof/", "goroutine"},
		{"/debug/pprof/goroutine?debug=1", "goroutine profile:"},
		{"/debug/pprof/heap?debug=1", "heap profile:"},
		{"/debug/pprof/cmdline", ""},
	}
	for _, tt := range tests {
		res, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), tt.want) {
			t.Errorf("GET %s = %d, body has %q: %v", tt.path, res.StatusCode, tt.want, strings.Contains(string(body), tt.want))
		}
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTeapot {
		t.Errorf("GET /metrics on the admin socket = %d, want the API's answer (418)", res.StatusCode)
	}
}

func TestGrantOf(t *testing.T) {
	tests := []struct {
		name string
		iss  storage.Issue
		want string
	}{
		{"code redemption", storage.Issue{RedeemCode: []byte{1}, Refresh: &storage.RefreshToken{}}, metrics.GrantAuthorizationCode},
		{"refresh rotation", storage.Issue{RotateRefresh: "rt_1", Refresh: &storage.RefreshToken{}}, metrics.GrantRefreshToken},
		{"neither", storage.Issue{Access: storage.AccessToken{ID: "at_1"}}, metrics.GrantClientCredentials},
	}
	for _, tt := range tests {
		if got := grantOf(tt.iss); got != tt.want {
			t.Errorf("%s: grantOf() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSignInOutcome(t *testing.T) {
	tests := []struct {
		action             string
		detail             map[string]string
		wantResult, wantBy string
		wantOK             bool
	}{
		{iam.AuditLoginSuccess, map[string]string{"method": "password+sms"}, metrics.ResultSuccess, "password+sms", true},
		{iam.AuditPasswordFailure, map[string]string{"reason": "bad_password", "method": "password"}, metrics.ResultFailure, "password", true},
		{iam.AuditSecondFactorFailure, map[string]string{"method": "totp"}, metrics.ResultFailure, "totp", true},
		{iam.AuditPasskeyFailure, nil, metrics.ResultFailure, "passkey", true},
		{iam.AuditSignInEnded, map[string]string{"method": "email"}, metrics.ResultEnded, "email", true},
		{iam.AuditLogout, nil, "", "", false},
		{iam.AuditPasswordChanged, map[string]string{"method": "password"}, "", "", false},
	}
	for _, tt := range tests {
		result, method, ok := signInOutcome(storage.AuditEvent{Action: tt.action, Detail: tt.detail})
		if result != tt.wantResult || method != tt.wantBy || ok != tt.wantOK {
			t.Errorf("signInOutcome(%s) = %q, %q, %v, want %q, %q, %v", tt.action, result, method, ok, tt.wantResult, tt.wantBy, tt.wantOK)
		}
	}
}

// jsonLines returns the JSON log lines of s.
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}
