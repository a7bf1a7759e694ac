package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// TestUserListPages lists more users than fit on the CLI's pages, with
// and without a server: every user comes once, in e-mail order, read page
// by page through next_page_token.
func TestUserListPages(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 2*cliPageSize + 5
	var want []string
	for i := range n {
		email := fmt.Sprintf("user%04d@example.com", (i*37)%n) // created out of order
		u := storage.User{ID: fmt.Sprintf("usr_%04d", i), Email: email, State: storage.UserActive, CreatedAt: time.Unix(1700000000, 0)}
		if err := db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		want = append(want, email)
	}
	db.Close()
	slices.Sort(want)

	env := testEnv(dataDir)
	check := func(t *testing.T) (string, string) {
		var users []userJSON
		out := mustCLI(t, env, "", "user", "list", "--json")
		if err := json.Unmarshal([]byte(out), &users); err != nil {
			t.Fatalf("user list --json: %v", err)
		}
		var got []string
		for _, u := range users {
			got = append(got, u.Email)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("user list --json: %d users, want %d in e-mail order", len(got), len(want))
		}
		table := mustCLI(t, env, "", "user", "list")
		if lines := strings.Count(table, "\n"); lines != n+1 {
			t.Fatalf("user list: %d lines, want a header and %d users", lines, n)
		}
		return out, table
	}
	jsonOut, table := check(t)
	ts := startServer(t, env)
	if j, tb := check(t); j != jsonOut || tb != table {
		t.Error("user list prints differently with the server running")
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestJSONArrayLikeWriteJSON checks that the streamed array is formatted
// as writeJSON formats the whole slice.
func TestJSONArrayLikeWriteJSON(t *testing.T) {
	type item struct {
		A string   `json:"a"`
		B []string `json:"b"`
	}
	tests := []struct {
		name  string
		pages [][]item
	}{
		{"empty", nil},
		{"one", [][]item{{{A: "x", B: []string{"<y>"}}}}},
		{"pages", [][]item{{{A: "1"}, {A: "2"}}, {}, {{A: "3", B: []string{"a", "b"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var streamed, whole bytes.Buffer
			all := []item{}
			arr := newJSONArray[item](&streamed)
			for _, p := range tt.pages {
				if err := arr.add(p); err != nil {
					t.Fatal(err)
				}
				all = append(all, p...)
			}
			if err := arr.close(); err != nil {
				t.Fatal(err)
			}
			if err := writeJSON(&whole, all); err != nil {
				t.Fatal(err)
			}
			if streamed.String() != whole.String() {
				t.Errorf("streamed\n%s\nwant\n%s", streamed.String(), whole.String())
			}
		})
	}
}
