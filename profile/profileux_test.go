package profile

import (
	"net/http"
	"strings"
	"testing"
)

// The profile's presentation (issue 9): the tabs shown, the user's own
// address, the sessions, the passkeys and the recovery codes.

func TestProfileInvitationsTabHidden(t *testing.T) {
	h := newHarness(t)
	b, _, p := profileUser(t, h, "ada@example.com", "profile")
	for name, page := range map[string]response{"profile": p, "security": b.get(tabPath("security"))} {
		if strings.Contains(page.body, "tab=invitations") || strings.Contains(page.body, ">Invitations<") {
			t.Errorf("%s tab links the Invitations tab although there are no invitations:\n%s", name, page.body)
		}
	}
	// An old link to the tab shows the Profile tab.
	r := b.get("/profile?tab=invitations")
	wantPageWith(t, r, http.StatusOK, `aria-current="page">Profile<`)
	if strings.Contains(r.body, "No invitations") {
		t.Errorf("GET /profile?tab=invitations shows the empty Invitations tab:\n%s", r.body)
	}
}

func TestProfileShowsOwnAddressUnmasked(t *testing.T) {
	h := newHarness(t)
	_, _, p := profileUser(t, h, "ada@example.com", "security")
	wantPageWith(t, p, http.StatusOK, `E-mail code <span class="next">(ada@example.com)</span>`)
	if strings.Contains(p.body, "a***@") {
		t.Errorf("security tab masks the user's own address:\n%s", p.body)
	}
}
