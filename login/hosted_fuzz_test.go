package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// hostedFuzz is what FuzzHostedPagePOST sends its requests with: the POST
// routes of every hosted page mounted by the harness (sign-in, profile,
// registration, reset, sign-out), a browser signed in to the profile,
// one in the middle of a sign-in, and the CSRF tokens their pages carry.
type hostedFuzz struct {
	h        *harness
	routes   []string
	browsers []*browser
	csrf     []string
	authReq  string
}

// newHostedFuzz starts the harness with passkeys, resets, registration and
// the brute-force counter on, and signs two browsers in as far as a fuzz
// request needs.
func newHostedFuzz(f *testing.F) *hostedFuzz {
	f.Helper()
	h := newHarness(f, selfService, func(d *Deps) {
		db := d.Users.(*boltdb.DB)
		svc, err := passkey.New(passkey.Config{RPID: waRPID, Origins: []string{waOrigin}, Timeout: 2 * time.Minute}, db, db, d.Now)
		if err != nil {
			f.Fatalf("passkey.New() error = %v", err)
		}
		d.Passkeys = svc
	})
	hf := &hostedFuzz{h: h}
	err := h.srv.Config.Handler.(*mux.Router).Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err1 := route.GetPathTemplate()
		methods, err2 := route.GetMethods()
		if err1 == nil && (err2 != nil || slices.Contains(methods, http.MethodPost)) && !slices.Contains(hf.routes, path) {
			hf.routes = append(hf.routes, path)
		}
		return nil
	})
	if err != nil || len(hf.routes) < 10 {
		f.Fatalf("walk routes: %v, %d POST routes", err, len(hf.routes))
	}
	h.createUser("fuzz@example.com", profilePassword, testParams)
	signedIn := h.newBrowser()
	profile := signedIn.profileSignIn("fuzz@example.com", profilePassword, "security")
	mid := h.newBrowser()
	hf.authReq = h.newAuthRequest()
	start := mid.start(hf.authReq)
	hf.browsers = []*browser{signedIn, mid, h.newBrowser()}
	hf.csrf = []string{csrfOf(f, profile), csrfOf(f, start), signedIn.keysToken(), ""}
	return hf
}

// routeVar matches a variable of a route template, such as {id}.
var routeVar = regexp.MustCompile(`\{[^}]*\}`)

// post sends one fuzzed POST straight to the router, with the chosen
// browser's cookies, and returns the answer.
func (hf *hostedFuzz) post(route, body string, who, token uint8, withAuthReq bool, contentType string) *httptest.ResponseRecorder {
	path := routeVar.ReplaceAllString(route, "x")
	form := body
	if withAuthReq {
		form = "authRequestID=" + url.QueryEscape(hf.authReq) + "&" + form
	}
	if tok := hf.csrf[int(token)%len(hf.csrf)]; tok != "" {
		form = "csrf=" + url.QueryEscape(tok) + "&" + form
	}
	req := httptest.NewRequest(http.MethodPost, hf.h.srv.URL+path, strings.NewReader(form))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	b := hf.browsers[int(who)%len(hf.browsers)]
	u, _ := url.Parse(hf.h.srv.URL + path)
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	if tok := hf.csrf[int(token)%len(hf.csrf)]; tok != "" {
		req.Header.Set("X-CSRF-Token", tok)
	}
	rec := httptest.NewRecorder()
	hf.h.srv.Config.Handler.ServeHTTP(rec, req)
	return rec
}

// FuzzHostedPagePOST posts random form bodies to every POST route of the
// hosted pages (login, signup, reset, profile and signout), with and
// without a session, a CSRF token and an auth request ID. No answer is a
// 5xx and nothing panics.
func FuzzHostedPagePOST(f *testing.F) {
	hf := newHostedFuzz(f)
	form := "application/x-www-form-urlencoded"
	bodies := []string{
		"", "email=fuzz%40example.com", "password=" + url.QueryEscape(profilePassword), "code=123456", "code=%zz",
		"email=a&email=b", "given_name=%00&family_name=x&email=new%40example.com&password=p", "id=x&name=" + strings.Repeat("n", 300),
		"account=acct_x", "method=email", "method=sms&phone=%2B447700900123", "token=x&password=y&confirm=y",
		"current=" + url.QueryEscape(profilePassword) + "&password=new+horse+battery+staple&confirm=new+horse+battery+staple",
		`{"type":"public-key","id":"x","rawId":"x","response":{}}`, "lang=de", "return_to=https%3A%2F%2Fevil.example%2F",
	}
	for i := range hf.routes {
		for j, body := range bodies {
			ct := form
			if strings.HasPrefix(body, "{") {
				ct = "application/json"
			}
			f.Add(uint8(i), body, uint8(j), uint8(j/3), j%2 == 0, ct)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string, who, token uint8, withAuthReq bool, contentType string) {
		r := hf.routes[int(route)%len(hf.routes)]
		rec := hf.post(r, body, who, token, withAuthReq, contentType)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q (browser %d, token %d): status %d, want no 5xx:\n%s", r, body, who, token, rec.Code, rec.Body)
		}
	})
}
