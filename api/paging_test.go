package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// listPaths are the list endpoints, under Prefix, for the harness.
func listPaths(h *harness) []string {
	a := "/accounts/" + h.acct.ID
	return []string{"/accounts", a + "/children", a + "/members", a + "/invitations", a + "/audit", "/me/invitations"}
}

func TestPagingParameters(t *testing.T) {
	h := newHarness(t)
	tok := h.tokenFor(owner)
	tests := []struct {
		query, field string
	}{
		{"page_size=0", "page_size"},
		{"page_size=-1", "page_size"},
		{"page_size=abc", "page_size"},
		{"page_size=501", "page_size"},
		{"page_size=", "page_size"},
		{"page_number=0", "page_number"},
		{"page_number=1.5", "page_number"},
		{"page_size=2&page_number=x", "page_number"},
		{"page_token=", "page_token"},
		{"page_token=not!base64", "page_token"},
		{"page_token=" + strings.Repeat("QUFB", 300), "page_token"},
	}
	for _, path := range listPaths(h) {
		for _, tt := range tests {
			t.Run(path+"?"+tt.query, func(t *testing.T) {
				wantError(t, h.do(http.MethodGet, Prefix+path+"?"+tt.query, tok, nil), http.StatusBadRequest, "invalid", tt.field)
			})
		}
		if a := h.do(http.MethodGet, Prefix+path+"?page_size=500&page_number=3", tok, nil); a.status != http.StatusOK {
			t.Errorf("%s with the largest page: %d %s", path, a.status, a.raw)
		}
	}
}

// TestPagingWalk pages through the members of an account with removed
// members in it (whose batches come back short) and checks that every
// member comes once, in order, with the meta and links of each page.
func TestPagingWalk(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := iam.OperatorActor()
	for i := range 7 {
		u := storage.User{ID: secret.ID("usr_"), Email: fmt.Sprintf("extra%d@example.com", i), State: storage.UserActive}
		if err := h.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := h.iam.AddMember(ctx, op, h.acct.ID, u.ID, storage.RoleDefault); err != nil {
			t.Fatal(err)
		}
		if i%3 == 1 {
			if _, _, err := h.iam.RemoveMember(ctx, op, h.acct.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, _, err := h.iam.ListMembers(ctx, op, h.acct.ID, storage.PageRequest{Limit: storage.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range all {
		want = append(want, m.UserID)
	}
	if len(want) != 9 {
		t.Fatalf("%d active members, want 9", len(want))
	}
	tok := h.tokenFor(owner)
	var got []string
	next := Prefix + "/accounts/" + h.acct.ID + "/members?page_size=2"
	for n := 1; next != ""; n++ {
		a := h.do(http.MethodGet, next, tok, nil)
		if a.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", n, a.status, a.raw)
		}
		m, _ := a.body["meta"].(map[string]any)
		wantCount := 2
		if n == 5 {
			wantCount = 1
		}
		if m["count"] != float64(wantCount) || m["page_size"] != float64(2) || m["page_number"] != float64(n) || len(a.items()) != wantCount {
			t.Errorf("page %d meta = %v with %d items, want count %d", n, m, len(a.items()), wantCount)
		}
		if prev, _ := m["previous_page_url"].(string); (n == 1) != (prev == "") || (n > 1 && !strings.Contains(prev, fmt.Sprintf("page_number=%d", n-1))) {
			t.Errorf("page %d previous_page_url = %v", n, m["previous_page_url"])
		}
		for _, it := range a.items() {
			got = append(got, it["user_id"].(string))
		}
		next = ""
		if s, ok := m["next_page_url"].(string); ok {
			u, err := url.Parse(s)
			if err != nil || u.Host != "id.example.com" || u.Query().Get("page_number") != fmt.Sprint(n+1) {
				t.Fatalf("page %d next_page_url = %q", n, s)
			}
			next = u.RequestURI()
		}
		if n > 6 {
			t.Fatal("paging does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged members = %v, want %v", got, want)
	}
	// By page number alone (no token), every page holds the same members.
	var byNumber []string
	for n := 1; n <= 5; n++ {
		a := h.do(http.MethodGet, fmt.Sprintf("%s/accounts/%s/members?page_size=2&page_number=%d", Prefix, h.acct.ID, n), tok, nil)
		for _, it := range a.items() {
			byNumber = append(byNumber, it["user_id"].(string))
		}
		if tokNext, _ := a.body["meta"].(map[string]any)["next_page_token"].(string); (n < 5) != (tokNext != "") {
			t.Errorf("page %d by number: next_page_token = %q", n, tokNext)
		}
	}
	if !slices.Equal(byNumber, want) {
		t.Errorf("members by page number = %v, want %v", byNumber, want)
	}
	past := h.do(http.MethodGet, Prefix+"/accounts/"+h.acct.ID+"/members?page_size=2&page_number=9", tok, nil)
	if past.status != http.StatusOK || len(past.items()) != 0 || past.body["meta"].(map[string]any)["next_page_url"] != nil {
		t.Errorf("page past the end = %d %s, want an empty page", past.status, past.raw)
	}
}

func TestPagingAudit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	actor := iam.UserActor(h.users[owner].ID, "192.0.2.1", "test")
	for i := range 5 {
		h.clock.Advance(61 * time.Second)
		if _, err := h.iam.SetPolicy(ctx, actor, h.acct.ID, storage.AccountPolicy{ForbidTrustedDevices: i%2 == 0}); err != nil {
			t.Fatal(err)
		}
	}
	tok := h.tokenFor(owner)
	var times, actions, ids []string
	for n := 1; n <= 5; n++ {
		a := h.do(http.MethodGet, fmt.Sprintf("%s/accounts/%s/audit?page_size=2&page_number=%d", Prefix, h.acct.ID, n), tok, nil)
		for _, it := range a.items() {
			times = append(times, it["time"].(string))
			actions = append(actions, it["action"].(string))
			ids = append(ids, it["id"].(string))
		}
	}
	// The same events through next_page_token.
	var byToken []string
	q := "page_size=2"
	for n := 1; n <= 6; n++ {
		a := h.do(http.MethodGet, fmt.Sprintf("%s/accounts/%s/audit?%s", Prefix, h.acct.ID, q), tok, nil)
		for _, it := range a.items() {
			byToken = append(byToken, it["id"].(string))
		}
		next, _ := a.body["meta"].(map[string]any)["next_page_token"].(string)
		if next == "" {
			break
		}
		q = "page_size=2&page_token=" + url.QueryEscape(next)
	}
	if !slices.Equal(byToken, ids) {
		t.Errorf("audit events by token = %v, want %v", byToken, ids)
	}
	slices.Sort(ids)
	if len(times) != 9 || len(slices.Compact(ids)) != 9 {
		t.Fatalf("audit pages hold %d events, want 9: %v", len(times), times)
	}
	if !slices.IsSortedFunc(times, func(a, b string) int { return strings.Compare(b, a) }) || actions[0] != iam.AuditAccountPolicy {
		t.Errorf("audit events are not newest first: %v %v", times, actions)
	}
}
