package iam_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// memberOps are the operations FuzzMemberIDs calls with the fuzzed IDs,
// as the operator; each returns only its error.
var memberOps = []struct {
	name string
	call func(ctx context.Context, svc *iam.Service, accountID, userID string) error
}{
	{"ChangeRole", func(ctx context.Context, svc *iam.Service, a, u string) error {
		_, err := svc.ChangeRole(ctx, iam.OperatorActor(), a, u, storage.RoleDeveloper)
		return err
	}},
	{"RemoveMember", func(ctx context.Context, svc *iam.Service, a, u string) error {
		_, _, err := svc.RemoveMember(ctx, iam.OperatorActor(), a, u)
		return err
	}},
	{"AddMember", func(ctx context.Context, svc *iam.Service, a, u string) error {
		_, err := svc.AddMember(ctx, iam.OperatorActor(), a, u, storage.RoleDefault)
		return err
	}},
	{"UserByID", func(ctx context.Context, svc *iam.Service, _, u string) error {
		_, err := svc.UserByID(ctx, iam.OperatorActor(), u)
		return err
	}},
	{"GetAccount", func(ctx context.Context, svc *iam.Service, a, _ string) error {
		_, err := svc.GetAccount(ctx, iam.OperatorActor(), a)
		return err
	}},
	{"ListMembers", func(ctx context.Context, svc *iam.Service, a, _ string) error {
		_, _, err := svc.ListMembers(ctx, iam.OperatorActor(), a, storage.PageRequest{})
		return err
	}},
	{"ChangeRole as a member", func(ctx context.Context, svc *iam.Service, a, u string) error {
		_, err := svc.ChangeRole(ctx, as("usr_owner"), a, u, storage.RoleAdmin)
		return err
	}},
	{"TokenAccountFor", func(ctx context.Context, svc *iam.Service, a, u string) error {
		_, err := svc.TokenAccountFor(ctx, u, a)
		return err
	}},
}

// FuzzMemberIDs calls the member operations with any account and user
// IDs. Nothing panics, no answer is an internal error, and an ID that
// names no record is answered not found (or invalid, or forbidden).
func FuzzMemberIDs(f *testing.F) {
	e := newAccountsEnv(f, iam.AccountConfig{})
	acct := e.account(f, "Acme", "", "usr_owner")
	e.member(f, acct.ID, "usr_member", storage.RoleDefault)
	e.user(f, "usr_loner")
	for i := range memberOps {
		for _, ids := range [][2]string{
			{acct.ID, "usr_member"}, {acct.ID, "usr_loner"}, {acct.ID, "usr_owner"}, {acct.ID, ""}, {"", "usr_member"},
			{"", ""}, {"acct_missing", "usr_member"}, {acct.ID, "usr_missing"}, {acct.ID, "\x00"}, {acct.ID + "/x", "usr_member/x"},
		} {
			f.Add(uint8(i), ids[0], ids[1])
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, accountID, userID string) {
		o := memberOps[int(op)%len(memberOps)]
		err := o.call(context.Background(), e.svc, accountID, userID)
		if errors.Is(err, iam.ErrNotSelectable) {
			return // TokenAccountFor's documented refusal
		}
		switch code := iam.ErrorCode(err); code {
		case "", iam.CodeNotFound, iam.CodeInvalid, iam.CodeForbidden, iam.CodeConflict:
		default:
			t.Fatalf("%s(%q, %q) = %v (code %q), want a rule error", o.name, accountID, userID, err, code)
		}
	})
}
