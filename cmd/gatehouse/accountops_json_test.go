package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// TestAccountJSONBusiness checks that the business details and the VAT
// check state are shown when set and left out when empty.
func TestAccountJSONBusiness(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	business := storage.Account{ID: "acct_1", Type: storage.AccountBusiness, Status: storage.AccountPending,
		PendingReasons: []string{"vat_unreachable"},
		Business: storage.BusinessDetails{CompanyName: "Example GmbH", Street: "Hauptstr. 1", Postcode: "10115",
			City: "Berlin", Country: "DE", Phone: "+493012345678", VATNumber: "DE136695976"},
		VAT: storage.VATCheck{Status: "unreachable", Source: "vies", CheckedAt: at, UnreachableSince: at, NextCheckAt: at.Add(15 * time.Minute)}}
	tests := []struct {
		name    string
		a       storage.Account
		want    []string
		notWant []string
	}{
		{"business", business, []string{
			`"pending_reasons":["vat_unreachable"]`,
			`"business":{"company_name":"Example GmbH","street":"Hauptstr. 1","postcode":"10115","city":"Berlin","country":"DE","phone":"+493012345678","vat_number":"DE136695976"}`,
			`"vat":{"status":"unreachable","source":"vies","checked_at":"2026-03-04T04:06:07Z","unreachable_since":"2026-03-04T04:06:07Z","next_check_at":"2026-03-04T04:21:07Z"}`,
		}, nil},
		{"individual", storage.Account{ID: "acct_2", Type: storage.AccountIndividual, Status: storage.AccountActive}, nil,
			[]string{`"business"`, `"vat"`, `"pending_reasons"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := json.Marshal(toAccountJSON(tt.a))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("JSON %s\nlacks %s", out, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(out), w) {
					t.Errorf("JSON %s\nhas %s", out, w)
				}
			}
		})
	}
}
