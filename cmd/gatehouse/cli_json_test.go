package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// TestAccountJSONBusiness checks that account show --json, read from the
// management API, shows the business details and the VAT check state
// when set and leaves them out when empty.
func TestAccountJSONBusiness(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice Example", "--password-stdin")
	var business, individual accountJSON
	cliJSON(t, env, &business, "account", "create", "--name", "Example GmbH", "--owner", "alice@example.com", "--type", "business", "--json")
	cliJSON(t, env, &individual, "account", "create", "--name", "Alice", "--owner", "alice@example.com", "--json")

	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.UpdateAccount(context.Background(), business.ID, func(a storage.Account) (storage.Account, error) {
		a.PendingReasons = []string{"vat_unreachable"}
		a.Business = storage.BusinessDetails{CompanyName: "Example GmbH", Street: "Hauptstr. 1", Postcode: "10115",
			City: "Berlin", Country: "DE", Phone: "+493012345678", VATNumber: "DE136695976"}
		a.VAT = storage.VATCheck{Status: "unreachable", Source: "vies", CheckedAt: at, UnreachableSince: at, NextCheckAt: at.Add(15 * time.Minute)}
		return a, nil
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatalf("update account: %v, close: %v", err, cerr)
	}

	tests := []struct {
		name    string
		id      string
		want    []string
		notWant []string
	}{
		{"business", business.ID, []string{
			`"pending_reasons":["vat_unreachable"]`,
			`"business":{"company_name":"Example GmbH","street":"Hauptstr. 1","postcode":"10115","city":"Berlin","country":"DE","phone":"+493012345678","vat_number":"DE136695976"}`,
			`"vat":{"status":"unreachable","source":"vies","checked_at":"2026-03-04T04:06:07Z","unreachable_since":"2026-03-04T04:06:07Z","next_check_at":"2026-03-04T04:21:07Z"}`,
			`"owner_email":"alice@example.com"`, `"depth":1`,
		}, nil},
		{"individual", individual.ID, []string{`"type":"individual"`}, []string{`"business"`, `"vat"`, `"pending_reasons"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustCLI(t, env, "", "account", "show", tt.id, "--json")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("JSON %s\nlacks %s", out, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("JSON %s\nhas %s", out, w)
				}
			}
		})
	}
}
