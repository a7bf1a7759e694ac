package vat

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeVIES is a local server speaking the VIES REST API: it checks the
// request and answers with the status and body the test gives, or not at
// all when block is set (until the client gives up).
type fakeVIES struct {
	t      *testing.T
	status int
	body   string
	block  bool

	mu    sync.Mutex
	got   viesRequest // the last request
	calls int
}

// callCount returns how many requests came.
func (f *fakeVIES) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// request returns the last request.
func (f *fakeVIES) request() viesRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got
}

// ServeHTTP answers POST /check-vat-number.
func (f *fakeVIES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/rest-api/check-vat-number" || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("fake VIES got %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var got viesRequest
	if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
		f.t.Errorf("fake VIES: request body: %v", err)
	}
	io.Copy(io.Discard, r.Body) // the server notices the client leaving only once the body is read
	f.mu.Lock()
	f.got = got
	f.calls++
	f.mu.Unlock()
	if f.block {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

// startVIES starts f and returns a client for it with a short timeout.
func startVIES(t *testing.T, f *fakeVIES) *Client {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL + "/rest-api/", HTTPClient: srv.Client(), Timeout: 200 * time.Millisecond}
}

// errorBody is a VIES error answer with the code.
func errorBody(code string) string {
	return `{"actionSucceed":false,"errorWrappers":[{"error":"` + code + `","message":"` + strings.ToLower(code) + `"}]}`
}

func TestClientCheck(t *testing.T) {
	validBody := `{"countryCode":"DE","vatNumber":"136695976","requestDate":"2026-03-02T10:15:30.123Z","valid":true,` +
		`"requestIdentifier":"","name":"Example GmbH","address":"Hauptstr. 1\n10115 Berlin","traderName":"---","userError":"VALID"}`
	tests := []struct {
		name   string
		fake   *fakeVIES
		want   Status
		reason Reason
		errHas string // for unreachable: part of Err
	}{
		{"valid", &fakeVIES{status: 200, body: validBody}, StatusValid, "", ""},
		{"invalid", &fakeVIES{status: 200, body: `{"countryCode":"DE","vatNumber":"136695976","valid":false,"name":"---","address":"---","userError":"INVALID"}`},
			StatusInvalid, ReasonNotRegistered, ""},
		{"invalid input", &fakeVIES{status: 400, body: errorBody("INVALID_INPUT")}, StatusInvalid, ReasonNotRegistered, ""},
		{"member state unavailable", &fakeVIES{status: 200, body: errorBody("MS_UNAVAILABLE")}, StatusUnreachable, "", "MS_UNAVAILABLE"},
		{"member state unavailable with 500", &fakeVIES{status: 500, body: errorBody("MS_UNAVAILABLE")}, StatusUnreachable, "", "MS_UNAVAILABLE"},
		{"service unavailable", &fakeVIES{status: 503, body: errorBody("SERVICE_UNAVAILABLE")}, StatusUnreachable, "", "SERVICE_UNAVAILABLE"},
		{"timeout code", &fakeVIES{status: 200, body: errorBody("TIMEOUT")}, StatusUnreachable, "", "TIMEOUT"},
		{"global max concurrent", &fakeVIES{status: 200, body: errorBody("GLOBAL_MAX_CONCURRENT_REQ")}, StatusUnreachable, "", "GLOBAL_MAX_CONCURRENT_REQ"},
		{"busy with valid false", &fakeVIES{status: 200, body: `{"valid":false,"userError":"MS_MAX_CONCURRENT_REQ"}`}, StatusUnreachable, "", "MS_MAX_CONCURRENT_REQ"},
		{"500 without body", &fakeVIES{status: 500, body: ""}, StatusUnreachable, "", "HTTP 500"},
		{"502 html", &fakeVIES{status: 502, body: "<html>Bad gateway</html>"}, StatusUnreachable, "", "HTTP 502"},
		{"500 with valid false", &fakeVIES{status: 500, body: `{"valid":false}`}, StatusUnreachable, "", "HTTP 500"},
		{"200 without verdict", &fakeVIES{status: 200, body: `{"countryCode":"DE"}`}, StatusUnreachable, "", "without a verdict"},
		{"200 garbage", &fakeVIES{status: 200, body: `{"valid":tru`}, StatusUnreachable, "", "not the expected JSON"},
		{"too large", &fakeVIES{status: 200, body: `{"valid":true,"name":"` + strings.Repeat("x", maxResponse) + `"}`}, StatusUnreachable, "", "longer than"},
		{"no answer at all", &fakeVIES{block: true}, StatusUnreachable, "", "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fake
			c := startVIES(t, f)
			res := c.Check(context.Background(), "DE136695976")
			if f.request() != (viesRequest{CountryCode: "DE", VATNumber: "136695976"}) {
				t.Errorf("VIES got %+v, want DE and 136695976 apart", f.request())
			}
			if res.Status != tt.want || res.Source != SourceVIES || res.Number != "DE136695976" {
				t.Fatalf("Check = %+v, want status %s from vies", res, tt.want)
			}
			if res.Valid != (tt.want == StatusValid) {
				t.Errorf("Check Valid = %v with status %s", res.Valid, res.Status)
			}
			if res.Reason == nil && tt.reason != "" || res.Reason != nil && res.Reason.Reason != tt.reason {
				t.Errorf("Check Reason = %v, want %q", res.Reason, tt.reason)
			}
			if tt.errHas != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), tt.errHas)) {
				t.Errorf("Check Err = %v, want it to contain %q", res.Err, tt.errHas)
			}
			if tt.want != StatusUnreachable && res.Err != nil {
				t.Errorf("Check Err = %v for status %s", res.Err, res.Status)
			}
		})
	}
}

// TestClientCheckDetails checks what a valid answer carries, and that
// Greece and Northern Ireland are sent with the prefixes VIES uses.
func TestClientCheckDetails(t *testing.T) {
	f := &fakeVIES{status: 200, body: `{"valid":true,"requestDate":"2026-03-02T10:15:30.123Z","name":"Example GmbH","address":"Hauptstr. 1\n10115 Berlin\n"}`}
	c := startVIES(t, f)
	res := c.Check(context.Background(), "EL094259216")
	if f.request() != (viesRequest{CountryCode: "EL", VATNumber: "094259216"}) {
		t.Errorf("VIES got %+v", f.request())
	}
	want := time.Date(2026, 3, 2, 10, 15, 30, 123e6, time.UTC)
	if res.Name != "Example GmbH" || res.Address != "Hauptstr. 1, 10115 Berlin" || !res.RequestDate.Equal(want) {
		t.Errorf("Check = %+v, want the name, the address on one line and the date %v", res, want)
	}
	f.body = `{"valid":true,"requestDate":"2026-03-02+01:00","name":"---","address":"---"}`
	res = c.Check(context.Background(), "XI980780684")
	if f.request().CountryCode != "XI" || res.Name != "" || res.Address != "" || !res.RequestDate.IsZero() {
		t.Errorf("Check = %+v (sent %+v), want XI sent, no name or address, and no date", res, f.request())
	}
}

// TestClientUnreachableServer checks a network error: nothing listens.
func TestClientUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	res := (&Client{BaseURL: url, Timeout: time.Second}).Check(context.Background(), "DE136695976")
	if res.Status != StatusUnreachable || res.Err == nil || res.Valid {
		t.Errorf("Check = %+v, want unreachable with an error", res)
	}
}

// TestClientCancelled checks that the caller's context bounds the call.
func TestClientCancelled(t *testing.T) {
	c := startVIES(t, &fakeVIES{block: true})
	c.Timeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res := c.Check(ctx, "DE136695976"); res.Status != StatusUnreachable {
		t.Errorf("Check = %+v, want unreachable", res)
	}
}
