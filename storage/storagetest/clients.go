package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var clientTests = []test{
	{"ClientRoundTrip", testClientRoundTrip},
	{"ClientNotFound", testClientNotFound},
	{"ClientAlreadyExists", testClientAlreadyExists},
	{"ListClientsOrderedByID", testListClients},
	{"UpdateClient", testUpdateClient},
	{"DeleteClient", testDeleteClient},
	{"APIClientRoundTrip", testAPIClientRoundTrip},
	{"ListAccountClients", testListAccountClients},
	{"ListAccountClientsPaged", testListAccountClientsPaged},
	{"AccountClientIndexFollowsUpdates", testAccountClientIndex},
}

func testClientRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullClient("cli_1")
	must(t, "CreateClient", s.CreateClient(ctx, want))
	got, err := s.GetClient(ctx, "cli_1")
	must(t, "GetClient", err)
	checkEqual(t, "GetClient", got, want)
}

func testClientNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetClient(ctx, "cli_missing")
	checkErr(t, "GetClient(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateClient(ctx, "cli_missing", func(c storage.Client) (storage.Client, error) { return c, nil })
	checkErr(t, "UpdateClient(missing)", err, storage.ErrNotFound)
	checkErr(t, "DeleteClient(missing)", s.DeleteClient(ctx, "cli_missing"), storage.ErrNotFound)
	clients, _, err := s.ListClients(ctx, storage.PageRequest{})
	must(t, "ListClients", err)
	if len(clients) != 0 {
		t.Fatalf("ListClients() on an empty store = %d clients, want 0", len(clients))
	}
}

func testClientAlreadyExists(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := fullClient("cli_1")
	must(t, "CreateClient", s.CreateClient(ctx, want))
	other := fullClient("cli_1")
	other.Name = "Impostor"
	checkErr(t, "CreateClient(same id)", s.CreateClient(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetClient(ctx, "cli_1")
	must(t, "GetClient", err)
	checkEqual(t, "GetClient after refused create", got, want)
}

func testListClients(t *testing.T, s storage.Store) {
	ctx := context.Background()
	b, c, a := fullClient("cli_b"), fullClient("cli_c"), fullClient("cli_a")
	for _, cl := range []storage.Client{b, c, a} {
		must(t, "CreateClient", s.CreateClient(ctx, cl))
	}
	got, next, err := s.ListClients(ctx, storage.PageRequest{})
	must(t, "ListClients", err)
	checkEqual(t, "ListClients", got, []storage.Client{a, b, c})
	if next != "" {
		t.Fatalf("ListClients() of the only page: next = %q, want empty", next)
	}
	page1, next, err := s.ListClients(ctx, storage.PageRequest{Limit: 2})
	must(t, "ListClients(page 1)", err)
	checkEqual(t, "ListClients(page 1)", page1, []storage.Client{a, b})
	page2, next, err := s.ListClients(ctx, storage.PageRequest{After: next, Limit: 2})
	must(t, "ListClients(page 2)", err)
	checkEqual(t, "ListClients(page 2)", page2, []storage.Client{c})
	if next != "" {
		t.Fatalf("ListClients(page 2): next = %q, want empty on the last page", next)
	}
}

func testUpdateClient(t *testing.T, s storage.Store) {
	ctx := context.Background()
	orig := fullClient("cli_1")
	must(t, "CreateClient", s.CreateClient(ctx, orig))

	_, err := s.UpdateClient(ctx, "cli_1", func(c storage.Client) (storage.Client, error) {
		c.Name = "Changed"
		return c, errFn
	})
	checkErr(t, "UpdateClient(fn fails)", err, errFn)
	got, err := s.GetClient(ctx, "cli_1")
	must(t, "GetClient", err)
	checkEqual(t, "GetClient after failed UpdateClient", got, orig)

	want := fullClient("cli_1")
	want.Name = "Renamed"
	want.RedirectURIs = []string{"https://new.example/cb"}
	want.SecretHash = []byte{9, 9, 9}
	got, err = s.UpdateClient(ctx, "cli_1", func(c storage.Client) (storage.Client, error) {
		c.Name = want.Name
		c.RedirectURIs = want.RedirectURIs
		c.SecretHash = want.SecretHash
		return c, nil
	})
	must(t, "UpdateClient", err)
	checkEqual(t, "UpdateClient result", got, want)
	got, err = s.GetClient(ctx, "cli_1")
	must(t, "GetClient", err)
	checkEqual(t, "GetClient after UpdateClient", got, want)
}

func testDeleteClient(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateClient", s.CreateClient(ctx, fullClient("cli_1")))
	must(t, "CreateClient", s.CreateClient(ctx, fullClient("cli_2")))
	must(t, "DeleteClient", s.DeleteClient(ctx, "cli_1"))
	_, err := s.GetClient(ctx, "cli_1")
	checkErr(t, "GetClient(deleted)", err, storage.ErrNotFound)
	checkErr(t, "DeleteClient(again)", s.DeleteClient(ctx, "cli_1"), storage.ErrNotFound)
	_, err = s.GetClient(ctx, "cli_2")
	must(t, "GetClient(other)", err)
}

// apiClient returns an API client of the account.
func apiClient(id, accountID string) storage.Client {
	return storage.Client{
		ID:                  id,
		Name:                "API " + id,
		SecretHash:          []byte{0x0a, 0x0b},
		GrantTypes:          []string{storage.GrantClientCredentials},
		AccessTokenLifetime: 24 * time.Hour,
		AccountID:           accountID,
		CreatedAt:           at(0),
		API: &storage.APIClient{
			OwnerID:   "usr_owner",
			Type:      storage.APIClientStandard,
			Enabled:   true,
			Locked:    true,
			Scopes:    []string{"gatehouse:api", "read"},
			UpdatedAt: at(time.Minute),
		},
	}
}

func testAPIClientRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	tests := []struct {
		name string
		c    storage.Client
	}{
		{"every field", apiClient("apiclient_1", "acct_1")},
		{"zero values", storage.Client{ID: "apiclient_2", AccountID: "acct_1", API: &storage.APIClient{Type: storage.APIClientAdmin}}},
	}
	for _, tt := range tests {
		must(t, "CreateClient "+tt.name, s.CreateClient(ctx, tt.c))
		got, err := s.GetClient(ctx, tt.c.ID)
		must(t, "GetClient "+tt.name, err)
		checkEqual(t, "GetClient "+tt.name, got, tt.c)
		if got.Kind() != storage.ClientKindAPI {
			t.Errorf("%s: Kind() = %q, want %q", tt.name, got.Kind(), storage.ClientKindAPI)
		}
	}
	if k := fullClient("cli_1").Kind(); k != storage.ClientKindApp {
		t.Errorf("relying application Kind() = %q, want %q", k, storage.ClientKindApp)
	}
}

// listIDs lists the IDs of one page of the account's clients of a kind.
func listIDs(t *testing.T, s storage.Store, accountID string, kind storage.ClientKind, p storage.PageRequest) ([]string, string) {
	t.Helper()
	page, next, err := s.ListAccountClients(context.Background(), accountID, kind, p)
	must(t, "ListAccountClients", err)
	ids := []string{}
	for _, c := range page {
		ids = append(ids, c.ID)
	}
	return ids, next
}

func testListAccountClients(t *testing.T, s storage.Store) {
	ctx := context.Background()
	app := fullClient("cli_app")
	app.AccountID = "acct_1"
	noAccount := fullClient("cli_global")
	noAccount.AccountID = ""
	for _, c := range []storage.Client{
		apiClient("apiclient_b", "acct_1"), apiClient("apiclient_a", "acct_1"), apiClient("apiclient_c", "acct_2"),
		apiClient("apiclient_d", "acct_10"), app, noAccount,
	} {
		must(t, "CreateClient", s.CreateClient(ctx, c))
	}
	tests := []struct {
		account string
		kind    storage.ClientKind
		want    string
	}{
		{"acct_1", storage.ClientKindAPI, "[apiclient_a apiclient_b]"},
		{"acct_1", storage.ClientKindApp, "[cli_app]"},
		{"acct_2", storage.ClientKindAPI, "[apiclient_c]"},
		{"acct_10", storage.ClientKindAPI, "[apiclient_d]"},
		{"acct_2", storage.ClientKindApp, "[]"},
		{"acct_missing", storage.ClientKindAPI, "[]"},
		{"", storage.ClientKindApp, "[]"},
	}
	for _, tt := range tests {
		got, next := listIDs(t, s, tt.account, tt.kind, storage.PageRequest{})
		if fmt.Sprint(got) != tt.want || next != "" {
			t.Errorf("ListAccountClients(%q, %s) = %v next %q, want %s and no next page", tt.account, tt.kind, got, next, tt.want)
		}
	}
	page, _, err := s.ListAccountClients(ctx, "acct_1", storage.ClientKindAPI, storage.PageRequest{})
	must(t, "ListAccountClients", err)
	checkEqual(t, "ListAccountClients records", page, []storage.Client{apiClient("apiclient_a", "acct_1"), apiClient("apiclient_b", "acct_1")})
}

func testListAccountClientsPaged(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for i := range 5 {
		must(t, "CreateClient", s.CreateClient(ctx, apiClient(fmt.Sprintf("apiclient_%d", i), "acct_1")))
	}
	var pages []string
	after := ""
	for range 10 {
		ids, next := listIDs(t, s, "acct_1", storage.ClientKindAPI, storage.PageRequest{After: after, Limit: 2})
		pages = append(pages, fmt.Sprint(ids))
		if next == "" {
			break
		}
		after = next
	}
	want := "[[apiclient_0 apiclient_1] [apiclient_2 apiclient_3] [apiclient_4]]"
	if fmt.Sprint(pages) != want {
		t.Fatalf("pages of 2 = %v, want %s", pages, want)
	}
}

func testAccountClientIndex(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateClient", s.CreateClient(ctx, apiClient("apiclient_1", "acct_1")))
	must(t, "CreateClient", s.CreateClient(ctx, apiClient("apiclient_2", "acct_1")))
	steps := []struct {
		name  string
		fn    func() error
		acct1 string
		acct2 string
		apps1 string
	}{
		{"move to another account", func() error {
			_, err := s.UpdateClient(ctx, "apiclient_1", func(c storage.Client) (storage.Client, error) {
				c.AccountID = "acct_2"
				return c, nil
			})
			return err
		}, "[apiclient_2]", "[apiclient_1]", "[]"},
		{"refused update changes nothing", func() error {
			_, err := s.UpdateClient(ctx, "apiclient_2", func(c storage.Client) (storage.Client, error) {
				c.AccountID = "acct_2"
				return c, errFn
			})
			if err == nil {
				return fmt.Errorf("refused update succeeded")
			}
			return nil
		}, "[apiclient_2]", "[apiclient_1]", "[]"},
		{"become a relying application", func() error {
			_, err := s.UpdateClient(ctx, "apiclient_2", func(c storage.Client) (storage.Client, error) {
				c.API = nil
				return c, nil
			})
			return err
		}, "[]", "[apiclient_1]", "[apiclient_2]"},
		{"delete", func() error { return s.DeleteClient(ctx, "apiclient_1") }, "[]", "[]", "[apiclient_2]"},
	}
	for _, st := range steps {
		must(t, st.name, st.fn())
		for _, c := range []struct {
			account string
			kind    storage.ClientKind
			want    string
		}{
			{"acct_1", storage.ClientKindAPI, st.acct1},
			{"acct_2", storage.ClientKindAPI, st.acct2},
			{"acct_1", storage.ClientKindApp, st.apps1},
		} {
			if got, _ := listIDs(t, s, c.account, c.kind, storage.PageRequest{}); fmt.Sprint(got) != c.want {
				t.Errorf("after %s: ListAccountClients(%s, %s) = %v, want %s", st.name, c.account, c.kind, got, c.want)
			}
		}
	}
}
