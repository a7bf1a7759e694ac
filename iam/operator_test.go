package iam_test

import (
	"context"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestListAccountAudit(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	top := e.account(t, "Top", "", "usr_owner")
	child := e.account(t, "Child", top.ID, "usr_root")
	other := e.account(t, "Other", "", "usr_root")
	e.member(t, top.ID, "usr_adm", storage.RoleAdmin)
	e.member(t, top.ID, "usr_dev", storage.RoleDeveloper)
	e.member(t, child.ID, "usr_kid", storage.RoleDefault)
	tests := []struct {
		name     string
		actor    iam.Actor
		account  string
		wantCode string
	}{
		{"owner", as("usr_owner"), top.ID, ""},
		{"admin", as("usr_adm"), top.ID, ""},
		{"admin inherited in the child", as("usr_adm"), child.ID, ""},
		{"developer", as("usr_dev"), top.ID, "forbidden"},
		{"default member", as("usr_kid"), child.ID, "forbidden"},
		{"non-member", as("usr_kid"), other.ID, "not_found"},
		{"operator", iam.OperatorActor(), other.ID, ""},
		{"no such account", iam.OperatorActor(), "acct_missing", "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := e.svc.ListAccountAudit(ctx, tt.actor, tt.account, storage.AuditFilter{AccountID: other.ID})
			wantCode(t, "ListAccountAudit", err, tt.wantCode)
			if err != nil {
				return
			}
			if len(events) == 0 {
				t.Fatalf("no events for %s, want at least its creation", tt.account)
			}
			for _, ev := range events {
				if ev.AccountID != tt.account {
					t.Fatalf("event %s of account %s listed for %s", ev.Action, ev.AccountID, tt.account)
				}
			}
		})
	}
}
