package iam_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestMyInvitationsByID answers invitations by ID, as the profile's
// Invitations tab does, with the rules of the token's answers.
func TestMyInvitationsByID(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		advance time.Duration
		user    string
		decline bool
		id      string // "" is the invitation's ID
		code    string
		state   storage.InvitationState
	}{
		{"accept", 0, "usr_guest", false, "", "", storage.InvitationAccepted},
		{"decline", 0, "usr_guest", true, "", "", storage.InvitationDeclined},
		{"accept another's", 0, "usr_other", false, "", iam.CodeNotFound, storage.InvitationPending},
		{"decline another's", 0, "usr_other", true, "", iam.CodeNotFound, storage.InvitationPending},
		{"accept expired", 8 * 24 * time.Hour, "usr_guest", false, "", iam.CodeConflict, storage.InvitationExpired},
		{"decline expired", 8 * 24 * time.Hour, "usr_guest", true, "", iam.CodeConflict, storage.InvitationExpired},
		{"unknown ID", 0, "usr_guest", false, "inv_nothing", iam.CodeNotFound, storage.InvitationPending},
		{"operator", 0, "", false, "", iam.CodeForbidden, storage.InvitationPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountsEnv(t, iam.AccountConfig{})
			a := e.account(t, "Acme", "", "usr_owner")
			e.user(t, "usr_guest")
			e.user(t, "usr_other")
			iss, err := e.svc.Invite(ctx, as("usr_owner"), a.ID, iam.NewInvitation{Name: "Guest", Email: "usr_guest@example.com", Role: storage.RoleAdmin})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(tt.advance)
			id := tt.id
			if id == "" {
				id = iss.Invitation.ID
			}
			actor := as(tt.user)
			if tt.user == "" {
				actor = iam.OperatorActor()
			}
			if tt.decline {
				_, err = e.svc.DeclineMyInvitation(ctx, actor, id)
			} else {
				_, err = e.svc.AcceptMyInvitation(ctx, actor, id)
			}
			wantCode(t, tt.name, err, tt.code)
			v, err := e.svc.LookupInvitation(ctx, iss.Token)
			if err != nil || v.State != tt.state {
				t.Fatalf("LookupInvitation = %+v, %v; want state %s", v, err, tt.state)
			}
			m, err := e.store.GetMembership(ctx, a.ID, "usr_guest")
			if member := err == nil && m.Active && m.Role == storage.RoleAdmin; member != (tt.state == storage.InvitationAccepted) {
				t.Fatalf("membership = %+v, %v; want member %v", m, err, tt.state == storage.InvitationAccepted)
			}
		})
	}
}
