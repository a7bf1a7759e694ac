package profile

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

// TestProfileLanguage: the profile speaks the signed-in user's saved
// locale, and Accept-Language when none is saved.
func TestProfileLanguage(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", waPassword, testParams)
	b := h.newBrowser()
	b.mustSignIn(h.newAuthRequest(), u.Email, waPassword)
	for _, tt := range []struct {
		locale, accept, wantLang string
	}{
		{"", "", `lang="en"`},
		{"", "fr-FR,fr;q=0.9", `lang="fr"`},
		{"de", "fr-FR,fr;q=0.9", `lang="de"`},
	} {
		if _, err := h.db.UpdateUser(context.Background(), u.ID, func(old storage.User) (storage.User, error) {
			old.Locale = tt.locale
			return old, nil
		}); err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+pathProfile, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.accept != "" {
			req.Header.Set("Accept-Language", tt.accept)
		}
		r := b.do(req)
		if r.status != http.StatusOK || !strings.Contains(r.body, tt.wantLang) {
			t.Errorf("locale %q, Accept-Language %q: GET /profile = %d, want %s", tt.locale, tt.accept, r.status, tt.wantLang)
		}
	}
}
