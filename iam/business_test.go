package iam_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/vat"
)

// VIES answers of fakeVIES.
const (
	viesValid       = `{"valid":true,"name":"Example GmbH","address":"Hauptstr. 1"}`
	viesNotValid    = `{"valid":false,"userError":"INVALID"}`
	viesUnavailable = `{"actionSucceed":false,"errorWrappers":[{"error":"MS_UNAVAILABLE","message":"down"}]}`
)

// fakeVIES is a local server speaking the VIES REST API: it answers every
// POST /check-vat-number with the current body and counts the requests.
type fakeVIES struct {
	t     *testing.T
	mu    sync.Mutex
	body  string
	calls int
	last  string // countryCode and vatNumber of the last request
	// hook, when set, runs before each answer, as an edit made while
	// VIES is being asked.
	hook func()
}

// answer sets the body of the next answers.
func (f *fakeVIES) answer(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body = body
}

// count returns how many requests came.
func (f *fakeVIES) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// lastRequest returns the number of the last request, prefix included.
func (f *fakeVIES) lastRequest() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// ServeHTTP answers one check.
func (f *fakeVIES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct{ CountryCode, VATNumber string }
	if r.Method != http.MethodPost || r.URL.Path != "/check-vat-number" {
		f.t.Errorf("fake VIES got %s %s", r.Method, r.URL.Path)
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		f.t.Errorf("fake VIES: request body: %v", err)
	}
	f.mu.Lock()
	f.calls++
	f.last = req.CountryCode + req.VATNumber
	body, hook := f.body, f.hook
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, body)
}

// businessEnv is an accountsEnv whose Service checks VAT numbers with
// VIES at a fakeVIES and records the accounts it activates.
type businessEnv struct {
	*accountsEnv
	vies      *fakeVIES
	validator vat.Validator
	mu        sync.Mutex
	activated []string
}

// newBusinessEnv starts a fakeVIES answering valid and a Service using it.
func newBusinessEnv(t *testing.T) *businessEnv {
	t.Helper()
	f := &fakeVIES{t: t, body: viesValid}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	e := &businessEnv{accountsEnv: newAccountsEnv(t, iam.AccountConfig{}), vies: f,
		validator: vat.Validator{Mode: vat.ModeVIES, Client: &vat.Client{BaseURL: srv.URL, HTTPClient: srv.Client(), Timeout: 5 * time.Second}}}
	e.svc = e.service()
	return e
}

// service returns a new Service on the env's store and clock, as after a
// restart.
func (e *businessEnv) service() *iam.Service {
	hasher := password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2)
	return iam.New(e.store, hasher, e.clock.Now, iam.WithVAT(e.validator),
		iam.WithActivationNotifier(func(_ context.Context, a storage.Account) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.activated = append(e.activated, a.ID)
		}))
}

// activations returns the IDs the notifier was called with.
func (e *businessEnv) activations() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.activated)
}

// business creates a business account owned by usr_owner, as the
// operator; it starts PENDING.
func (e *businessEnv) business(t *testing.T, name string) storage.Account {
	t.Helper()
	if _, err := e.store.GetUser(context.Background(), "usr_owner"); err != nil {
		e.user(t, "usr_owner")
	}
	a, err := e.svc.CreateTopLevelAccount(context.Background(), iam.OperatorActor(),
		iam.NewAccount{Name: name, Type: storage.AccountBusiness, OwnerID: "usr_owner"})
	if err != nil {
		t.Fatalf("CreateTopLevelAccount(%s) error = %v", name, err)
	}
	return a
}

// vatEvents returns the VAT decisions audited for the account, oldest
// first.
func (e *businessEnv) vatEvents(t *testing.T, accountID string) []storage.AuditEvent {
	t.Helper()
	events, err := e.svc.ListAudit(context.Background(), storage.AuditFilter{AccountID: accountID, Action: iam.AuditAccountVAT})
	if err != nil {
		t.Fatalf("ListAudit error = %v", err)
	}
	slices.Reverse(events)
	return events
}

// germanDetails are complete details of a German company, with number.
func germanDetails(number string) iam.BusinessDetails {
	return iam.BusinessDetails{CompanyName: "Example GmbH", Street: "Hauptstr. 1", Postcode: "10115",
		City: "Berlin", Country: "de", VATNumber: number}
}

func TestPendingReasons(t *testing.T) {
	full := iam.BusinessDetails{CompanyName: "Acme", Street: "1 Main St", Postcode: "12345", City: "Springfield", Country: "US"}
	tests := []struct {
		name     string
		d        iam.BusinessDetails
		business bool
		want     []string
	}{
		{"individual", iam.BusinessDetails{}, false, nil},
		{"business, nothing", iam.BusinessDetails{}, true, []string{"missing_field:company_name", "missing_field:street",
			"missing_field:postcode", "missing_field:city", "missing_field:country"}},
		{"business outside the EU, no phone", full, true, nil},
		{"blank city", func() iam.BusinessDetails { d := full; d.City = "  "; return d }(), true, []string{"missing_field:city"}},
		{"EU without VAT number", germanDetails(""), true, []string{"missing_field:vat_number"}},
		{"Greece without VAT number", func() iam.BusinessDetails { d := full; d.Country = "GR"; return d }(), true, []string{"missing_field:vat_number"}},
		{"Northern Ireland without VAT number", func() iam.BusinessDetails { d := full; d.Country = "XI"; return d }(), true, []string{"missing_field:vat_number"}},
		{"Great Britain needs none", func() iam.BusinessDetails { d := full; d.Country = "GB"; return d }(), true, nil},
		{"EU with a number", germanDetails("DE136695976"), true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := iam.PendingReasons(tt.d, tt.business); !slices.Equal(got, tt.want) {
				t.Fatalf("PendingReasons(%+v, %v) = %q, want %q", tt.d, tt.business, got, tt.want)
			}
		})
	}
}

func TestSetBusinessDetailsShapes(t *testing.T) {
	e := newBusinessEnv(t)
	a := e.business(t, "Shapes")
	long := func(n int) string { return fmt.Sprintf("%0*d", n, 0) }
	tests := []struct {
		name  string
		edit  func(d *iam.BusinessDetails)
		field string
	}{
		{"unknown country", func(d *iam.BusinessDetails) { d.Country = "ZZ" }, "country"},
		{"three-letter country", func(d *iam.BusinessDetails) { d.Country = "DEU" }, "country"},
		{"company name too long", func(d *iam.BusinessDetails) { d.CompanyName = long(201) }, "company_name"},
		{"control character in street", func(d *iam.BusinessDetails) { d.Street = "Main\x00St" }, "street"},
		{"postcode with symbols", func(d *iam.BusinessDetails) { d.Postcode = "12<34>" }, "postcode"},
		{"postcode too long", func(d *iam.BusinessDetails) { d.Postcode = long(17) }, "postcode"},
		{"city too long", func(d *iam.BusinessDetails) { d.City = long(101) }, "city"},
		{"phone not E.164", func(d *iam.BusinessDetails) { d.Phone = "030 1234567" }, "phone"},
		{"VAT number too long", func(d *iam.BusinessDetails) { d.VATNumber = long(33) }, "vat_number"},
		{"VAT syntax", func(d *iam.BusinessDetails) { d.VATNumber = "DE12345" }, "vat_number"},
		{"VAT check digit", func(d *iam.BusinessDetails) { d.VATNumber = "DE136695977" }, "vat_number"},
		{"VAT prefix of another country", func(d *iam.BusinessDetails) { d.VATNumber = "FR40303265045" }, "vat_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := germanDetails("DE136695976")
			tt.edit(&d)
			_, err := e.svc.SetBusinessDetails(context.Background(), as("usr_owner"), a.ID, d)
			wantCode(t, "SetBusinessDetails", err, iam.CodeInvalid)
			if f := iam.ErrorField(err); f != tt.field {
				t.Fatalf("SetBusinessDetails field = %q (err %v), want %q", f, err, tt.field)
			}
			got, err := e.store.GetAccount(context.Background(), a.ID)
			if err != nil || got.Business != (iam.BusinessDetails{}) || got.Status != storage.AccountPending {
				t.Fatalf("account after a refused edit = %+v, %v; want it unchanged", got, err)
			}
		})
	}
	if n := e.vies.count(); n != 0 {
		t.Errorf("VIES was called %d times for refused input, want 0", n)
	}
	// Each syntax refusal of a VAT number is still an audited decision.
	if ev := e.vatEvents(t, a.ID); len(ev) != 3 || ev[0].Detail["result"] != "invalid" || ev[0].Detail["source"] != "syntax" {
		t.Errorf("VAT audit = %+v, want the 3 syntax refusals", ev)
	}
}
