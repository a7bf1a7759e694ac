package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
)

// consolePOSTs are the console's POST routes (routes.go).
var consolePOSTs = []string{
	pathSwitch, pathInvite, pathResend, pathRevoke, pathRole, pathRemove, pathChildren, pathTransfer,
	pathPolicy, pathBusiness, pathClients, pathClientRotate, pathClientEnabled, pathClientLock,
	pathClientDelete, pathApps, pathAppUpdate, pathAppRotate, pathAppDelete,
}

// FuzzConsolePOST posts random form bodies to every console POST route as
// an account owner, a developer and nobody, with and without the CSRF
// token. No answer is a 5xx and nothing panics.
func FuzzConsolePOST(f *testing.F) {
	h := newHarness(f)
	owner, dev := h.user("Olive", "olive@example.com"), h.user("Dev", "dev@example.com")
	acct := h.account("Acme", "", owner)
	child := h.account("Acme Labs", acct.ID, owner)
	h.add(acct, dev, storage.RoleDeveloper)
	browsers := []*browser{h.signIn(owner), h.signIn(dev), {h: h}}
	tokens := []string{browsers[0].csrf(), browsers[1].csrf(), ""}
	a, c := url.QueryEscape(acct.ID), url.QueryEscape(child.ID)
	bodies := []string{
		"", "account=" + a, "account=" + c + "&to=" + dev.ID, "account=" + a + "&user_id=" + dev.ID + "&role=admin",
		"account=" + a + "&user_id=" + owner.ID + "&role=owner", "account=" + a + "&user_id=&role=", "account=" + a + "&email=new%40example.com&role=default",
		"account=" + a + "&invitation=inv_x", "account=" + a + "&name=Child&type=business", "account=" + a + "&to=" + dev.ID + "&confirm=yes",
		"account=" + a + "&require_phishing_resistant=yes&forbid_trusted_devices=yes", "account=" + a + "&company_name=A&country=DE&vat_number=DE123456789",
		"account=" + a + "&name=App&redirect_uris=https%3A%2F%2Fapp.example%2Fcb&public=yes", "account=" + a + "&client=cl_x&enabled=no&locked=yes",
		"account=" + a + "&name=API&scopes=gatehouse%3Aapi&lifetime=99999999999", "account=%00&user_id=%zz", "account=" + a + "&account=" + c,
	}
	for i := range consolePOSTs {
		for j, body := range bodies {
			f.Add(uint8(i), body, uint8(j%3), j%4 != 3)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string, who uint8, withCSRF bool) {
		path := consolePOSTs[int(route)%len(consolePOSTs)]
		b := browsers[int(who)%len(browsers)]
		if tok := tokens[int(who)%len(tokens)]; withCSRF && tok != "" {
			body = "csrf=" + url.QueryEscape(tok) + "&" + body
		}
		req := httptest.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", h.srv.URL)
		if b.cookie != "" {
			req.AddCookie(&http.Cookie{Name: session.CookieBase, Value: b.cookie})
		}
		rec := httptest.NewRecorder()
		h.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q (browser %d): status %d, want no 5xx:\n%s", path, body, who, rec.Code, rec.Body)
		}
	})
}
