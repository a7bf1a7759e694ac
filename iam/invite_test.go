package iam_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestInvitationStateMachine walks invitations through every transition
// with an injected clock.
func TestInvitationStateMachine(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name    string
		advance time.Duration
		do      func(e *accountsEnv, iss *iam.IssuedInvitation) error
		code    string
		state   storage.InvitationState // state LookupInvitation reports afterwards
	}
	accept := func(user string) func(*accountsEnv, *iam.IssuedInvitation) error {
		return func(e *accountsEnv, iss *iam.IssuedInvitation) error {
			_, err := e.svc.AcceptInvitation(ctx, as(user), iss.Token)
			return err
		}
	}
	decline := func(e *accountsEnv, iss *iam.IssuedInvitation) error {
		_, err := e.svc.DeclineInvitation(ctx, iss.Token, "192.0.2.9", "agent")
		return err
	}
	revoke := func(e *accountsEnv, iss *iam.IssuedInvitation) error {
		_, err := e.svc.RevokeInvitation(ctx, as("usr_owner"), iss.Invitation.ID)
		return err
	}
	resend := func(e *accountsEnv, iss *iam.IssuedInvitation) error {
		old := iss.Token
		next, err := e.svc.ResendInvitation(ctx, as("usr_owner"), iss.Invitation.ID)
		if err != nil {
			return err
		}
		if _, err := e.svc.LookupInvitation(ctx, old); iam.ErrorCode(err) != iam.CodeNotFound {
			t.Errorf("the old token after a resend: %v, want not_found", err)
		}
		*iss = next
		return nil
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"accept", []step{
			{"accept", 0, accept("usr_guest"), "", storage.InvitationAccepted},
			{"accept twice", 0, accept("usr_guest"), iam.CodeConflict, storage.InvitationAccepted},
			{"decline after accept", 0, decline, iam.CodeConflict, storage.InvitationAccepted},
		}},
		{"e-mail mismatch", []step{
			{"other user", 0, accept("usr_other"), iam.CodeForbidden, storage.InvitationPending},
			{"right user", 0, accept("usr_guest"), "", storage.InvitationAccepted},
		}},
		{"decline", []step{
			{"decline", time.Hour, decline, "", storage.InvitationDeclined},
			{"accept after decline", 0, accept("usr_guest"), iam.CodeConflict, storage.InvitationDeclined},
		}},
		{"revoke", []step{
			{"revoke", 0, revoke, "", storage.InvitationRevoked},
			{"accept after revoke", 0, accept("usr_guest"), iam.CodeConflict, storage.InvitationRevoked},
			{"resend after revoke", 0, resend, iam.CodeConflict, storage.InvitationRevoked},
		}},
		{"expiry after 7 days", []step{
			{"just before", 7*24*time.Hour - time.Second, nil, "", storage.InvitationPending},
			{"at expiry", time.Second, accept("usr_guest"), iam.CodeConflict, storage.InvitationExpired},
			{"decline expired", 0, decline, iam.CodeConflict, storage.InvitationExpired},
			{"resend revives", 0, resend, "", storage.InvitationPending},
			{"accept after resend", 6 * 24 * time.Hour, accept("usr_guest"), "", storage.InvitationAccepted},
		}},
		{"resend voids the old token", []step{
			{"resend", time.Hour, resend, "", storage.InvitationPending},
			{"accept with the new token", 0, accept("usr_guest"), "", storage.InvitationAccepted},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountsEnv(t, iam.AccountConfig{})
			a := e.account(t, "Acme", "", "usr_owner")
			e.user(t, "usr_other")
			iss, err := e.svc.Invite(ctx, as("usr_owner"), a.ID, iam.NewInvitation{Name: "Guest", Email: "USR_GUEST@example.com", Role: storage.RoleDeveloper})
			if err != nil {
				t.Fatal(err)
			}
			e.user(t, "usr_guest")
			if len(iss.Token) < 22 || string(iss.Invitation.TokenHash) == iss.Token || !secret.Equal(iss.Invitation.TokenHash, iss.Token) {
				t.Fatalf("token %q / hash %x: want at least 128 bits, stored only as its digest", iss.Token, iss.Invitation.TokenHash)
			}
			if !iss.Invitation.ExpiresAt.Equal(fixedNow.Add(iam.DefaultInvitationTTL)) {
				t.Fatalf("ExpiresAt = %v, want 7 days after now", iss.Invitation.ExpiresAt)
			}
			for _, st := range tt.steps {
				e.clock.Advance(st.advance)
				if st.do != nil {
					wantCode(t, st.name, st.do(e, &iss), st.code)
				}
				v, err := e.svc.LookupInvitation(ctx, iss.Token)
				if err != nil || v.State != st.state || v.AccountName != "Acme" {
					t.Fatalf("%s: LookupInvitation = %+v, %v; want state %s", st.name, v, err, st.state)
				}
			}
			m, err := e.store.GetMembership(ctx, a.ID, "usr_guest")
			accepted := tt.steps[len(tt.steps)-1].state == storage.InvitationAccepted
			if accepted != (err == nil && m.Active && m.Role == storage.RoleDeveloper) {
				t.Fatalf("membership of usr_guest = %+v, %v; want active developer: %v", m, err, accepted)
			}
		})
	}
}

func TestInviteRefusals(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{InvitationTTL: time.Hour})
	a := e.account(t, "Acme", "", "usr_owner")
	e.member(t, a.ID, "usr_dev", storage.RoleDeveloper)
	iss, err := e.svc.Invite(ctx, as("usr_owner"), a.ID, iam.NewInvitation{Name: "P", Email: "pending@example.com", Role: storage.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if !iss.Invitation.ExpiresAt.Equal(fixedNow.Add(time.Hour)) {
		t.Fatalf("ExpiresAt with a 1 h TTL = %v, want %v", iss.Invitation.ExpiresAt, fixedNow.Add(time.Hour))
	}
	tests := []struct {
		name  string
		actor iam.Actor
		in    iam.NewInvitation
		code  string
		field string
	}{
		{"active member", as("usr_owner"), iam.NewInvitation{Name: "D", Email: "USR_DEV@example.com", Role: storage.RoleAdmin}, iam.CodeConflict, "email"},
		{"pending already", as("usr_owner"), iam.NewInvitation{Name: "P", Email: "Pending@example.com", Role: storage.RoleDefault}, iam.CodeConflict, "email"},
		{"owner role", as("usr_owner"), iam.NewInvitation{Name: "O", Email: "o@example.com", Role: storage.RoleOwner}, iam.CodeInvalid, "role"},
		{"unknown role", as("usr_owner"), iam.NewInvitation{Name: "O", Email: "o@example.com", Role: "root"}, iam.CodeInvalid, "role"},
		{"bad e-mail", as("usr_owner"), iam.NewInvitation{Name: "O", Email: "not-an-address", Role: storage.RoleDefault}, iam.CodeInvalid, "email"},
		{"no name", as("usr_owner"), iam.NewInvitation{Email: "o@example.com", Role: storage.RoleDefault}, iam.CodeInvalid, "name"},
		{"developer invites", as("usr_dev"), iam.NewInvitation{Name: "O", Email: "o@example.com", Role: storage.RoleDefault}, iam.CodeForbidden, ""},
		{"stranger invites", as("usr_x"), iam.NewInvitation{Name: "O", Email: "o@example.com", Role: storage.RoleDefault}, iam.CodeNotFound, "account_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Invite(ctx, tt.actor, a.ID, tt.in)
			wantCode(t, "Invite", err, tt.code)
			var ie *iam.Error
			if asError(err, &ie); ie.Field != tt.field {
				t.Fatalf("Invite error field = %q, want %q", ie.Field, tt.field)
			}
		})
	}
	// After its expiry the address may be invited again.
	e.clock.Advance(time.Hour)
	if _, err := e.svc.Invite(ctx, as("usr_owner"), a.ID, iam.NewInvitation{Name: "P", Email: "pending@example.com", Role: storage.RoleAdmin}); err != nil {
		t.Fatalf("Invite after the earlier one expired error = %v", err)
	}
	mine, _, err := e.svc.ListMyInvitations(ctx, as("usr_dev"), storage.PageRequest{})
	if err != nil || len(mine) != 0 {
		t.Fatalf("ListMyInvitations(usr_dev) = %+v, %v; want none", mine, err)
	}
}

// TestInvitationLimits: one address gets at most MaxInvitationsPerAddress
// invitations a day from users, across accounts (the operator is not
// limited), and a user resends one invitation at most once a minute.
func TestInvitationLimits(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	invite := func(actor iam.Actor, accountID string) error {
		_, err := e.svc.Invite(ctx, actor, accountID, iam.NewInvitation{Name: "Target", Email: "target@example.com", Role: storage.RoleDefault})
		return err
	}
	var accounts []storage.Account
	for i := range iam.MaxInvitationsPerAddress + 2 {
		accounts = append(accounts, e.account(t, fmt.Sprintf("Spam %d", i), "", "usr_spammer"))
	}
	for i := range iam.MaxInvitationsPerAddress {
		if err := invite(as("usr_spammer"), accounts[i].ID); err != nil {
			t.Fatalf("invitation %d: %v", i+1, err)
		}
	}
	err := invite(as("usr_spammer"), accounts[iam.MaxInvitationsPerAddress].ID)
	var ie *iam.Error
	if !errors.As(err, &ie) || ie.Code != iam.CodeConflict || ie.Rule != iam.RuleInvitationRate {
		t.Fatalf("invitation over the limit: %v, want conflict %s", err, iam.RuleInvitationRate)
	}
	if err := invite(iam.OperatorActor(), accounts[iam.MaxInvitationsPerAddress].ID); err != nil {
		t.Errorf("the operator over the limit: %v", err)
	}
	e.clock.Advance(24 * time.Hour)
	if err := invite(as("usr_spammer"), accounts[iam.MaxInvitationsPerAddress+1].ID); err != nil {
		t.Errorf("a day later: %v", err)
	}

	iss, err := e.svc.Invite(ctx, as("usr_spammer"), accounts[0].ID, iam.NewInvitation{Name: "Other", Email: "other@example.com", Role: storage.RoleDefault})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ResendInvitation(ctx, as("usr_spammer"), iss.Invitation.ID)
	if !errors.As(err, &ie) || ie.Rule != iam.RuleResendTooSoon {
		t.Fatalf("immediate resend: %v, want %s", err, iam.RuleResendTooSoon)
	}
	e.clock.Advance(iam.ResendInterval)
	if _, err := e.svc.ResendInvitation(ctx, as("usr_spammer"), iss.Invitation.ID); err != nil {
		t.Errorf("resend a minute later: %v", err)
	}
}
