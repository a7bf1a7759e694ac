package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "tok-0123456789abcdef-secret"
	testFrom  = "+15005550006"
)

// fakeTwilio is a local server speaking the Twilio Messages API. Sending to
// +15005550001 answers Twilio's "invalid To number" error.
type fakeTwilio struct {
	t    *testing.T
	mu   sync.Mutex
	sent []url.Values
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != testSID || pass != testToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":20003,"message":"Authentication Error - invalid username","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2010-04-01/Accounts/"+testSID+".json":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"sid":"`+testSID+`","status":"active"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/2010-04-01/Accounts/"+testSID+"/Messages.json":
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			f.t.Errorf("Content-Type = %q, want application/x-www-form-urlencoded", ct)
		}
		if err := r.ParseForm(); err != nil {
			f.t.Errorf("ParseForm() = %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("To") == "+15005550001" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`)
			return
		}
		f.mu.Lock()
		f.sent = append(f.sent, r.PostForm)
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"SM0123","status":"queued","to":"`+r.PostForm.Get("To")+`"}`)
	default:
		http.NotFound(w, r)
	}
}

func newFakeTwilio(t *testing.T) (*fakeTwilio, *httptest.Server) {
	t.Helper()
	f := &fakeTwilio{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestTwilioSendsSMS(t *testing.T) {
	f, srv := newFakeTwilio(t)
	tw, err := NewTwilio(TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: testFrom, BaseURL: srv.URL + "/", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatalf("NewTwilio() error = %v", err)
	}
	ctx := context.Background()
	if err := tw.StartupCheck(ctx); err != nil {
		t.Fatalf("StartupCheck() = %v, want nil", err)
	}
	if err := tw.SendSMS(ctx, SMS{To: "+447700900123", Body: "123456 is your code"}); err != nil {
		t.Fatalf("SendSMS() = %v, want nil", err)
	}
	if len(f.sent) != 1 {
		t.Fatalf("server received %d messages, want 1", len(f.sent))
	}
	want := url.Values{"To": {"+447700900123"}, "From": {testFrom}, "Body": {"123456 is your code"}}
	if got := f.sent[0].Encode(); got != want.Encode() {
		t.Errorf("form = %s, want %s", got, want.Encode())
	}
}

func TestTwilioErrors(t *testing.T) {
	_, srv := newFakeTwilio(t)
	tests := []struct {
		name  string
		token string
		to    string
		check bool
		want  []string
	}{
		{"invalid number", testToken, "+15005550001", false, []string{"status 400", "error 21211", "is not a valid phone number", "https://www.twilio.com/docs/errors/21211"}},
		{"wrong token on send", "wrong-token-value", "+447700900123", false, []string{"status 401", "error 20003", "Authentication Error"}},
		{"wrong token on startup check", "wrong-token-value", "", true, []string{"twilio startup check", "status 401", "Authentication Error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tw, err := NewTwilio(TwilioConfig{AccountSID: testSID, AuthToken: tt.token, From: testFrom, BaseURL: srv.URL, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatalf("NewTwilio() error = %v", err)
			}
			if tt.check {
				err = tw.StartupCheck(context.Background())
			} else {
				err = tw.SendSMS(context.Background(), SMS{To: tt.to, Body: "123456"})
			}
			if !errors.Is(err, ErrDelivery) {
				t.Fatalf("error = %v, want ErrDelivery", err)
			}
			var te *TwilioError
			if !errors.As(err, &te) {
				t.Fatalf("error = %v, want a *TwilioError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q contains the auth token", err)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		tw, err := NewTwilio(TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: testFrom, BaseURL: down.URL})
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "1"}); !errors.Is(err, ErrDelivery) || strings.Contains(err.Error(), testToken) {
			t.Errorf("SendSMS() = %v, want ErrDelivery without the token", err)
		}
	})
	t.Run("not json", func(t *testing.T) {
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		}))
		defer bad.Close()
		tw, err := NewTwilio(TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: testFrom, BaseURL: bad.URL})
		if err != nil {
			t.Fatal(err)
		}
		err = tw.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "1"})
		if !errors.Is(err, ErrDelivery) || !strings.Contains(err.Error(), "status 502") {
			t.Errorf("SendSMS() = %v, want ErrDelivery with status 502", err)
		}
	})
}

func TestNewTwilioRejectsBadConfig(t *testing.T) {
	good := TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: testFrom}
	tests := []struct {
		name   string
		change func(*TwilioConfig)
	}{
		{"no sid", func(c *TwilioConfig) { c.AccountSID = "" }},
		{"no token", func(c *TwilioConfig) { c.AuthToken = "" }},
		{"no from", func(c *TwilioConfig) { c.From = "" }},
		{"from not e164", func(c *TwilioConfig) { c.From = "07700 900123" }},
		{"sid with slash", func(c *TwilioConfig) { c.AccountSID = "AC1/../x" }},
		{"relative base url", func(c *TwilioConfig) { c.BaseURL = "api.twilio.com" }},
		{"plain http remote", func(c *TwilioConfig) { c.BaseURL = "http://api.example.com" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := NewTwilio(cfg)
			if err == nil {
				t.Fatal("NewTwilio() error = nil, want an error")
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q contains the auth token", err)
			}
		})
	}
}

func TestValidateSMS(t *testing.T) {
	tests := []struct {
		name string
		m    SMS
		ok   bool
	}{
		{"valid", SMS{To: "+447700900123", Body: "123456"}, true},
		{"no plus", SMS{To: "447700900123", Body: "1"}, false},
		{"leading zero", SMS{To: "+0447700900123", Body: "1"}, false},
		{"too long number", SMS{To: "+1234567890123456", Body: "1"}, false},
		{"spaces", SMS{To: "+44 7700 900123", Body: "1"}, false},
		{"empty body", SMS{To: "+447700900123"}, false},
		{"body too long", SMS{To: "+447700900123", Body: strings.Repeat("é", 1601)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateSMS(tt.m)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
				t.Errorf("validateSMS(%+v) = %v, want ok %v", tt.m, err, tt.ok)
			}
		})
	}
}
