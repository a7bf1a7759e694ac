package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-webhook")

// webhookReceiver is a local server that checks each request's signature
// and keeps the payloads whose signature is valid.
type webhookReceiver struct {
	t        *testing.T
	status   int
	payloads []WebhookPayload
	bodies   [][]byte
	headers  []http.Header
}

func (rc *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
	}
	if !VerifyWebhookSignature(testSecret, body, r.Header.Get(SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("unmarshal payload: %v", err)
	}
	rc.payloads = append(rc.payloads, p)
	rc.bodies = append(rc.bodies, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	w.WriteHeader(rc.status)
}

func TestWebhookSendsSignedSMS(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusAccepted, http.StatusNoContent} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			rc := &webhookReceiver{t: t, status: status}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			wh, err := NewWebhook(WebhookConfig{URL: srv.URL + "/sms", Secret: testSecret, Now: clock})
			if err != nil {
				t.Fatalf("NewWebhook() error = %v", err)
			}
			if err := wh.StartupCheck(context.Background()); err != nil {
				t.Fatalf("StartupCheck() = %v", err)
			}
			if err := wh.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "123456 is your code"}); err != nil {
				t.Fatalf("SendSMS() = %v", err)
			}
			if len(rc.payloads) != 1 {
				t.Fatalf("receiver accepted %d payloads, want 1", len(rc.payloads))
			}
			want := WebhookPayload{To: "+447700900123", Body: "123456 is your code", SentAt: "2026-11-27T03:45:00Z"}
			if rc.payloads[0] != want {
				t.Errorf("payload = %+v, want %+v", rc.payloads[0], want)
			}
			h := rc.headers[0]
			if got := h.Get(TimestampHeader); got != strconv.FormatInt(fixedNow.Unix(), 10) {
				t.Errorf("%s = %q, want %d", TimestampHeader, got, fixedNow.Unix())
			}
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
		})
	}
}

func TestVerifyWebhookSignature(t *testing.T) {
	body := []byte(`{"to":"+447700900123","body":"123456","sent_at":"2026-11-27T03:45:00Z"}`)
	good := sign(testSecret, body)
	tests := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"valid", testSecret, body, good, true},
		{"tampered body", testSecret, []byte(strings.Replace(string(body), "123456", "654321", 1)), good, false},
		{"other secret", []byte("another-secret-another-secret-xx"), body, good, false},
		{"no prefix", testSecret, body, strings.TrimPrefix(good, "sha256="), false},
		{"wrong prefix", testSecret, body, "sha1=" + strings.TrimPrefix(good, "sha256="), false},
		{"not hex", testSecret, body, "sha256=zz", false},
		{"truncated", testSecret, body, good[:len(good)-2], false},
		{"empty", testSecret, body, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyWebhookSignature(tt.secret, tt.body, tt.header); got != tt.want {
				t.Errorf("VerifyWebhookSignature(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestWebhookFailures(t *testing.T) {
	t.Run("receiver refuses", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		wh, err := NewWebhook(WebhookConfig{URL: srv.URL, Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		err = wh.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "1"})
		if !errors.Is(err, ErrDelivery) || !strings.Contains(err.Error(), "503") {
			t.Errorf("SendSMS() = %v, want ErrDelivery naming 503", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		rc := &webhookReceiver{t: t, status: http.StatusOK}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		wh, err := NewWebhook(WebhookConfig{URL: srv.URL, Secret: []byte(strings.Repeat("k", 32))})
		if err != nil {
			t.Fatal(err)
		}
		err = wh.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "1"})
		if !errors.Is(err, ErrDelivery) || strings.Contains(err.Error(), strings.Repeat("k", 32)) {
			t.Errorf("SendSMS() = %v, want ErrDelivery without the secret", err)
		}
	})
	t.Run("unreachable receiver keeps url token out of errors", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		wh, err := NewWebhook(WebhookConfig{URL: down.URL + "/hook?token=url-secret-token", Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		err = wh.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "1"})
		if !errors.Is(err, ErrDelivery) || strings.Contains(err.Error(), "url-secret-token") || !strings.Contains(err.Error(), "/hook") {
			t.Errorf("SendSMS() = %v, want ErrDelivery naming /hook without the token", err)
		}
	})
	t.Run("invalid sms", func(t *testing.T) {
		wh, err := NewWebhook(WebhookConfig{URL: "https://sms.example.com/hook", Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.SendSMS(context.Background(), SMS{To: "not a number", Body: "1"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("SendSMS() = %v, want ErrInvalid", err)
		}
	})
}

func TestWebhookConfig(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		secret []byte
		ok     bool
	}{
		{"https", "https://sms.example.com/hook", testSecret, true},
		{"http localhost", "http://localhost:8080/hook", testSecret, true},
		{"http loopback", "http://127.0.0.1:8080/hook", testSecret, true},
		{"http ipv6 loopback", "http://[::1]:8080/hook", testSecret, true},
		{"http remote", "http://sms.example.com/hook", testSecret, false},
		{"relative", "/hook", testSecret, false},
		{"unparsable", "https://exa mple.com/%zz", testSecret, false},
		{"short secret", "https://sms.example.com/hook", []byte("short"), false},
		{"no secret", "https://sms.example.com/hook", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWebhook(WebhookConfig{URL: tt.url, Secret: tt.secret})
			if (err == nil) != tt.ok {
				t.Errorf("NewWebhook(%q) error = %v, want ok %v", tt.url, err, tt.ok)
			}
			if err != nil && len(tt.secret) > 0 && strings.Contains(err.Error(), string(tt.secret)) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}
