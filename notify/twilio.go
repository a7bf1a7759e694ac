package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultTwilioBaseURL is the Twilio REST API's address.
const defaultTwilioBaseURL = "https://api.twilio.com"

// defaultHTTPTimeout bounds one HTTP request when no client is given.
const defaultHTTPTimeout = 30 * time.Second

// maxResponseBody is the most of a provider's answer that is read.
const maxResponseBody = 64 << 10

// TwilioConfig configures a Twilio texter.
type TwilioConfig struct {
	// AccountSID is the account's SID, such as "AC0123…".
	AccountSID string
	// AuthToken is the account's auth token. It never appears in errors.
	AuthToken string
	// From is the sending phone number in E.164 form, or a messaging
	// service SID starting with "MG".
	From string
	// BaseURL is the API's base address; empty means https://api.twilio.com.
	// Any service speaking the Twilio Messages API may be used.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

// Twilio sends SMS through the Twilio Messages API or a compatible service.
// It is safe for concurrent use.
type Twilio struct {
	cfg  TwilioConfig
	base *url.URL
	hc   *http.Client
}

var _ Texter = (*Twilio)(nil)

// TwilioError is the error a Twilio-compatible API answers with.
type TwilioError struct {
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Code is Twilio's error code, such as 21211 for an invalid number.
	Code int `json:"code"`
	// Message is Twilio's description of the error.
	Message string `json:"message"`
	// MoreInfo is a link to the error's documentation.
	MoreInfo string `json:"more_info"`
}

// Error returns the status, code and message, with the documentation link
// when there is one.
func (e *TwilioError) Error() string {
	s := fmt.Sprintf("twilio answered status %d, error %d: %s", e.Status, e.Code, e.Message)
	if e.MoreInfo != "" {
		s += " (" + e.MoreInfo + ")"
	}
	return s
}

// NewTwilio checks cfg and returns a texter for it. It does not connect;
// call StartupCheck for that.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" || cfg.From == "" {
		return nil, errors.New("twilio account sid, auth token and from are all required")
	}
	if strings.ContainsAny(cfg.AccountSID, "/?#% \r\n") {
		return nil, fmt.Errorf("twilio account sid %q contains characters not allowed in an sid", cfg.AccountSID)
	}
	if !e164.MatchString(cfg.From) && !strings.HasPrefix(cfg.From, "MG") {
		return nil, fmt.Errorf("twilio from %q is neither an E.164 number nor a messaging service sid", cfg.From)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = defaultTwilioBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("twilio base url %q is not an absolute http or https url", cfg.BaseURL)
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("twilio base url %q must use https unless it is on localhost", cfg.BaseURL)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	return &Twilio{cfg: cfg, base: base, hc: hc}, nil
}

// SendSMS posts m to the Messages resource. A 201 answer means the message
// was accepted; any other answer or transport failure returns an error
// wrapping ErrDelivery, with a *TwilioError when the API explained itself.
func (t *Twilio) SendSMS(ctx context.Context, m SMS) error {
	if err := validateSMS(m); err != nil {
		return err
	}
	form := url.Values{"To": {m.To}, "From": {t.cfg.From}, "Body": {m.Body}}
	err := t.do(ctx, http.MethodPost, "/2010-04-01/Accounts/"+t.cfg.AccountSID+"/Messages.json",
		strings.NewReader(form.Encode()), http.StatusCreated)
	if err != nil {
		return fmt.Errorf("send sms via twilio: %w: %w", ErrDelivery, err)
	}
	return nil
}

// StartupCheck fetches the account resource with the configured
// credentials and expects 200, which proves the base URL, SID and token.
func (t *Twilio) StartupCheck(ctx context.Context) error {
	if err := t.do(ctx, http.MethodGet, "/2010-04-01/Accounts/"+t.cfg.AccountSID+".json", nil, http.StatusOK); err != nil {
		return fmt.Errorf("twilio startup check: %w: %w", ErrDelivery, err)
	}
	return nil
}

// do sends one authenticated request to path and expects the status want.
func (t *Twilio) do(ctx context.Context, method, path string, body io.Reader, want int) error {
	u := *t.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.SetBasicAuth(t.cfg.AccountSID, t.cfg.AuthToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return err // A *url.Error naming the method and URL, without secrets.
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode == want {
		return nil
	}
	te := &TwilioError{}
	if json.Unmarshal(raw, te) != nil || te.Message == "" {
		te = &TwilioError{Message: http.StatusText(resp.StatusCode)}
	}
	te.Status = resp.StatusCode
	return te
}
