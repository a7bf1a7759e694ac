package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The headers a webhook request carries.
const (
	// SignatureHeader holds "sha256=" and the hex HMAC-SHA256 of the body.
	SignatureHeader = "X-Gatehouse-Signature"
	// TimestampHeader holds the send time in Unix seconds. It is also in
	// the signed body as sent_at, which is what a receiver should trust.
	TimestampHeader = "X-Gatehouse-Timestamp"
)

// minWebhookSecret is the shortest webhook secret accepted, in bytes.
const minWebhookSecret = 32

// WebhookConfig configures a Webhook texter.
type WebhookConfig struct {
	// URL receives the POST requests. It must use https unless the host is
	// localhost or a loopback address.
	URL string
	// Secret keys the HMAC-SHA256 signature; it must have at least 32
	// bytes and never appears in errors.
	Secret []byte
	// HTTPClient sends the requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now returns the current time for sent_at; nil means time.Now.
	Now func() time.Time
}

// Webhook sends each SMS as a signed JSON POST to a URL the operator runs,
// which passes it on to any SMS provider. It is safe for concurrent use.
type Webhook struct {
	url    string
	secret []byte
	hc     *http.Client
	now    func() time.Time
}

var _ Texter = (*Webhook)(nil)

// WebhookPayload is the JSON body of a webhook request.
type WebhookPayload struct {
	// To is the recipient's phone number in E.164 form.
	To string `json:"to"`
	// Body is the message text.
	Body string `json:"body"`
	// SentAt is the send time in RFC 3339 form, in UTC.
	SentAt string `json:"sent_at"`
}

// NewWebhook checks cfg as StartupCheck does and returns a texter for it.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if err := checkWebhookConfig(cfg); err != nil {
		return nil, err
	}
	w := &Webhook{url: cfg.URL, secret: bytes.Clone(cfg.Secret), hc: cfg.HTTPClient, now: cfg.Now}
	if w.hc == nil {
		w.hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if w.now == nil {
		w.now = time.Now
	}
	return w, nil
}

// checkWebhookConfig checks that the URL is absolute and https (or http on
// a loopback host) and that the secret is long enough.
func checkWebhookConfig(cfg WebhookConfig) error {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("webhook url %q is not an absolute url", cfg.URL)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return fmt.Errorf("webhook url %q must use https unless it is on localhost", u.Redacted())
	}
	if len(cfg.Secret) < minWebhookSecret {
		return fmt.Errorf("webhook secret has %d bytes, want at least %d", len(cfg.Secret), minWebhookSecret)
	}
	return nil
}

// SendSMS posts m as a signed WebhookPayload. Any 2xx answer means the
// receiver accepted it; anything else returns an error wrapping
// ErrDelivery.
func (w *Webhook) SendSMS(ctx context.Context, m SMS) error {
	if err := validateSMS(m); err != nil {
		return err
	}
	now := w.now().UTC()
	body, err := json.Marshal(WebhookPayload{To: m.To, Body: m.Body, SentAt: now.Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("encode webhook payload: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, sign(w.secret, body))
	req.Header.Set(TimestampHeader, strconv.FormatInt(now.Unix(), 10))
	resp, err := w.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL's query or user info may carry a receiver's token.
			err = fmt.Errorf("%s %s: %w", ue.Op, safeURL(w.url), ue.Err)
		}
		return fmt.Errorf("send sms via webhook: %w: %w", ErrDelivery, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("send sms via webhook: %w: %w", ErrDelivery, fmt.Errorf("receiver answered %s", resp.Status))
	}
	return nil
}

// StartupCheck validates the configuration: the URL parses and uses https
// unless it is on localhost, and the secret has at least 32 bytes. It does
// not contact the receiver, which would send a message.
func (w *Webhook) StartupCheck(context.Context) error {
	if err := checkWebhookConfig(WebhookConfig{URL: w.url, Secret: w.secret}); err != nil {
		return fmt.Errorf("webhook startup check: %w", err)
	}
	return nil
}

// sign returns the signature header value for body.
func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhookSignature reports whether header, the value of the
// X-Gatehouse-Signature header, is the HMAC-SHA256 of body under secret.
// The comparison takes constant time. Receivers should also check that
// sent_at in the body is recent, to refuse replays.
func VerifyWebhookSignature(secret []byte, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// safeURL returns raw without user info, query or fragment, for errors.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "webhook url"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// isLoopback reports whether host is "localhost" or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
