package vat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultVIESURL is the base URL of the European Commission's VIES REST
// API.
const DefaultVIESURL = "https://ec.europa.eu/taxation_customs/vies/rest-api"

// DefaultTimeout bounds one VIES call when Client.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// maxResponse bounds the VIES answer read; a real one is well under 2 KiB.
const maxResponse = 64 << 10

// Status is the outcome of a check.
type Status string

// The outcomes of a check.
const (
	// StatusValid: the number passed every check of the mode.
	StatusValid Status = "valid"
	// StatusInvalid: the syntax is wrong or VIES says the number is not
	// registered; Result.Reason says which.
	StatusInvalid Status = "invalid"
	// StatusUnreachable: VIES gave no clear answer; try again later.
	StatusUnreachable Status = "unreachable"
	// StatusUnchecked: the mode is off, so the number was not checked.
	StatusUnchecked Status = "unchecked"
)

// The sources of a Result.
const (
	SourceOff    = "off"
	SourceSyntax = "syntax"
	SourceVIES   = "vies"
)

// Result is what a check found.
type Result struct {
	// Number is the normalised number checked, when it could be
	// normalised.
	Number string
	// Valid reports whether the number is accepted: StatusValid, or
	// StatusUnchecked in mode off.
	Valid  bool
	Status Status
	// Reason is why the number is invalid (nil otherwise).
	Reason *Error
	// Err is why VIES could not be asked or gave no clear answer, for
	// StatusUnreachable (nil otherwise).
	Err error
	// Name, Address and RequestDate are what VIES returns for a valid
	// number; member states may leave name and address empty.
	Name, Address string
	RequestDate   time.Time
	// Source is who decided: SourceOff, SourceSyntax or SourceVIES.
	Source string
}

// Client asks VIES whether a VAT number is registered.
type Client struct {
	// BaseURL is the REST API's base; DefaultVIESURL when empty.
	BaseURL string
	// HTTPClient makes the calls; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Timeout bounds a call; DefaultTimeout when zero.
	Timeout time.Duration
}

// viesRequest is the body of POST {base}/check-vat-number.
type viesRequest struct {
	CountryCode string `json:"countryCode"`
	VATNumber   string `json:"vatNumber"`
}

// viesResponse is what VIES answers: the check, or a list of errors.
type viesResponse struct {
	Valid         *bool  `json:"valid"`
	Name          string `json:"name"`
	Address       string `json:"address"`
	RequestDate   string `json:"requestDate"`
	UserError     string `json:"userError"`
	ActionSucceed *bool  `json:"actionSucceed"`
	ErrorWrappers []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errorWrappers"`
}

// Check asks VIES about a number in the form Normalize returns. The result
// is StatusValid, StatusInvalid (VIES says valid=false or INVALID_INPUT)
// or StatusUnreachable: anything else — a network error, a timeout, a 5xx,
// an error code such as MS_UNAVAILABLE, an answer too large or not
// understood — never counts as invalid.
func (c *Client) Check(ctx context.Context, normalised string) Result {
	res := Result{Number: normalised, Source: SourceVIES, Status: StatusUnreachable}
	if len(normalised) < 3 {
		res.Err = fmt.Errorf("vies: %q is not a normalised VAT number", normalised)
		return res
	}
	vr, status, err := c.post(ctx, viesRequest{CountryCode: normalised[:2], VATNumber: normalised[2:]})
	if err != nil {
		res.Err = err
		return res
	}
	return interpret(res, vr, status)
}

// interpret turns a decoded answer into the result. An explicit
// INVALID_INPUT or valid=false in a successful answer is invalid; every
// other error code, and any answer without a verdict, is unreachable.
func interpret(res Result, vr viesResponse, status int) Result {
	var codes []string
	for _, w := range vr.ErrorWrappers {
		codes = append(codes, w.Error)
	}
	if u := vr.UserError; u != "" && u != "VALID" && u != "INVALID" {
		codes = append(codes, u)
	}
	switch {
	case slices.Contains(codes, "INVALID_INPUT"):
		return invalid(res, "VIES answers that %s is not a valid VAT number (INVALID_INPUT)")
	case len(codes) > 0:
		res.Err = fmt.Errorf("vies: HTTP %d, %s", status, strings.Join(codes, ", "))
		return res
	case status != http.StatusOK || vr.Valid == nil || vr.ActionSucceed != nil && !*vr.ActionSucceed:
		res.Err = fmt.Errorf("vies: HTTP %d without a verdict", status)
		return res
	case !*vr.Valid:
		return invalid(res, "VIES answers that %s is not registered for VAT")
	}
	res.Valid, res.Status = true, StatusValid
	res.Name, res.Address = cleanText(vr.Name), cleanText(vr.Address)
	res.RequestDate = parseRequestDate(vr.RequestDate)
	return res
}

// invalid marks res invalid, naming the number in the message format.
func invalid(res Result, format string) Result {
	res.Status = StatusInvalid
	res.Reason = fail(ReasonNotRegistered, fmt.Sprintf(format, res.Number))
	return res
}

// cleanText returns a name or address from VIES without the "---" member
// states send for "not disclosed", and with its lines joined by ", ".
func cleanText(s string) string {
	s = strings.TrimSpace(s)
	if strings.Trim(s, "-") == "" {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, ", ")
}

// parseRequestDate reads VIES's requestDate, a timestamp or a date; the
// zero time when it is neither.
func parseRequestDate(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t
		}
	}
	return time.Time{}
}

// post sends the request and returns the decoded answer, or an error when
// there is no answer to decode.
func (c *Client) post(ctx context.Context, body viesRequest) (viesResponse, int, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := c.BaseURL
	if base == "" {
		base = DefaultVIESURL
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return viesResponse{}, 0, fmt.Errorf("vies: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/check-vat-number", bytes.NewReader(payload))
	if err != nil {
		return viesResponse{}, 0, fmt.Errorf("vies: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return viesResponse{}, 0, fmt.Errorf("vies: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	switch {
	case err != nil:
		return viesResponse{}, resp.StatusCode, fmt.Errorf("vies: read answer (HTTP %d): %w", resp.StatusCode, err)
	case len(data) > maxResponse:
		return viesResponse{}, resp.StatusCode, fmt.Errorf("vies: answer (HTTP %d) longer than %d bytes", resp.StatusCode, maxResponse)
	}
	var vr viesResponse
	if err := json.Unmarshal(data, &vr); err != nil {
		return viesResponse{}, resp.StatusCode, fmt.Errorf("vies: answer (HTTP %d) is not the expected JSON: %w", resp.StatusCode, err)
	}
	return vr, resp.StatusCode, nil
}
