package storagetest

import (
	"context"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

var clientTests = []test{
	{"ClientRoundTrip", testClientRoundTrip},
	{"ClientNotFound", testClientNotFound},
	{"ClientAlreadyExists", testClientAlreadyExists},
	{"ListClientsOrderedByID", testListClients},
	{"UpdateClient", testUpdateClient},
	{"DeleteClient", testDeleteClient},
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
	clients, err := s.ListClients(ctx)
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
	got, err := s.ListClients(ctx)
	must(t, "ListClients", err)
	checkEqual(t, "ListClients", got, []storage.Client{a, b, c})
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
