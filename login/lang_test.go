package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

// getWithLang opens path with an Accept-Language header.
func (b *browser) getWithLang(path, accept string) response {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	if err != nil {
		b.h.t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Accept-Language", accept)
	return b.do(req)
}

// wantLang fails unless r is a page in lang.
func wantLang(t *testing.T, what string, r response, lang string) {
	t.Helper()
	if got := r.header.Get("Content-Language"); got != lang || !strings.Contains(r.body, `<html lang="`+lang+`">`) {
		t.Errorf("%s: Content-Language %q, want %q with <html lang=%q>:\n%.300s", what, got, lang, lang, r.body)
	}
}

// setLocale saves the user's locale as the profile does.
func (h *harness) setLocale(id, locale string) {
	h.t.Helper()
	if _, err := h.db.UpdateUser(context.Background(), id, func(u storage.User) (storage.User, error) {
		u.Locale = locale
		return u, nil
	}); err != nil {
		h.t.Fatalf("UpdateUser() error = %v", err)
	}
}

// TestSignInLanguage checks the language of the sign-in pages: the auth
// request's ui_locales, then the saved locale of a user who proved who
// they are, then Accept-Language, then English.
func TestSignInLanguage(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", "correct horse battery", testParams)
	h.setLocale(u.ID, "it")

	t.Run("ui_locales, also on a re-rendered form", func(t *testing.T) {
		b := h.newBrowser()
		id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.UILocales = []string{"tlh", "de-AT"} })
		page := b.getWithLang(loginPath(id), "fr")
		wantLang(t, "e-mail page", page, "de")
		r := b.post("/login/email", url.Values{"authRequestID": {id}, "email": {"nope"}, "csrf": {csrfOf(t, page)}})
		wantLang(t, "e-mail page with an error", r, "de")
	})
	t.Run("Accept-Language", func(t *testing.T) {
		b := h.newBrowser()
		id := h.newAuthRequest()
		wantLang(t, "e-mail page", b.getWithLang(loginPath(id), "fr-CH, de;q=0.5"), "fr")
	})
	t.Run("saved locale once the password is proven, never before", func(t *testing.T) {
		b := h.newBrowser()
		id := h.newAuthRequest()
		pw := b.submitEmail(id, b.start(id), u.Email)
		wantLang(t, "password page", pw, "en")
		if r := b.submitPassword(id, pw, "correct horse battery"); r.status != http.StatusSeeOther {
			t.Fatalf("password = %d, want 303", r.status)
		}
		wantLang(t, "code page", b.getWithLang(mfaPath(id), "fr"), "it")
	})
	t.Run("saved locale of the signed-in user", func(t *testing.T) {
		// The harness's sign-in reads English pages: the locale is saved after it.
		bob := h.createUser("bob@example.com", "correct horse battery", testParams)
		b := h.newBrowser()
		b.mustSignIn(h.newAuthRequest(), bob.Email, "correct horse battery")
		h.setLocale(bob.ID, "sv")
		wantLang(t, "home page", b.getWithLang("/", "fr"), "sv")
	})
	t.Run("unknown auth request", func(t *testing.T) {
		b := h.newBrowser()
		r := b.getWithLang(loginPath("nope"), "es")
		if r.status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", r.status)
		}
		wantLang(t, "error page", r, "es")
	})
}

// TestCodeEmailInTheUsersLanguage: the sign-in code goes out in the
// language of the user's saved locale.
func TestCodeEmailInTheUsersLanguage(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	if _, err := h.db.UpdateUser(context.Background(), u.ID, func(old storage.User) (storage.User, error) {
		old.Locale = "de-AT"
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	c, err := notify.NewComposer("Gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	h.toCodePage(u.Email)
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), u.Email)
	if err != nil {
		t.Fatal(err)
	}
	code := h.emailCode(u.Email)
	german, err := c.ForLocale("de").CodeEmail(u.Email, "", code, mfa.DefaultCodePolicy().TTL)
	if err != nil {
		t.Fatal(err)
	}
	english, _ := c.CodeEmail(u.Email, "", code, mfa.DefaultCodePolicy().TTL)
	if m.Subject != german.Subject || m.Subject == english.Subject {
		t.Errorf("code e-mail subject %q, want the German %q (English is %q)", m.Subject, german.Subject, english.Subject)
	}
}

// TestLanguageBesideTheSignIn checks that the pages of packages signout
// and reset, mounted with Handler.ChooseLang as cmd/gatehouse mounts them,
// speak the sign-in's language: the forgot page the auth request's
// ui_locales, the home and sign-out pages the signed-in user's locale.
func TestLanguageBesideTheSignIn(t *testing.T) {
	h, b, u, _ := signedIn(t)
	h.setLocale(u.ID, "it")
	tests := []struct {
		name, path, accept, want string
	}{
		{"home page", "/", "fr", "it"},
		{"sign-out page", "/logout", "fr", "it"},
	}
	for _, tt := range tests {
		wantLang(t, tt.name, b.getWithLang(tt.path, tt.accept), tt.want)
	}
	rh := newHarness(t, selfService)
	id := rh.newAuthRequest(func(ar *storage.AuthRequest) { ar.UILocales = []string{"de"} })
	nb := rh.newBrowser()
	nb.start(id)
	wantLang(t, "forgot page", nb.getWithLang(pathForgot+"?authRequestID="+url.QueryEscape(id), "fr"), "de")
	wantLang(t, "forgot page without a sign-in", nb.getWithLang(pathForgot, "fr"), "fr")
}
