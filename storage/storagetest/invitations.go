package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var invitationTests = []test{
	{"InvitationRoundTrip", testInvitationRoundTrip},
	{"InvitationCreateRefusals", testInvitationCreateRefusals},
	{"InvitationResendReplacesToken", testInvitationResend},
	{"ListInvitationsPaging", testListInvitationsPaging},
	{"AcceptInvitation", testAcceptInvitation},
	{"AcceptInvitationReactivates", testAcceptInvitationReactivates},
	{"AcceptInvitationRefusals", testAcceptInvitationRefusals},
}

// fullInvitation returns a pending invitation with every field set.
func fullInvitation(id, accountID, email string) storage.Invitation {
	return storage.Invitation{
		ID:        id,
		AccountID: accountID,
		Email:     email,
		Name:      "Grace Hopper",
		Role:      storage.RoleDeveloper,
		TokenHash: []byte("digest-of-" + id),
		State:     storage.InvitationPending,
		InvitedBy: "usr_owner",
		CreatedAt: at(0),
		UpdatedAt: at(time.Minute),
		ExpiresAt: at(7 * 24 * time.Hour),
	}
}

// newInvitation stores an invitation and fails the test on error.
func newInvitation(t *testing.T, s storage.Store, inv storage.Invitation) {
	t.Helper()
	must(t, "CreateInvitation("+inv.ID+")", s.CreateInvitation(context.Background(), inv))
}

// allowAccept is an AcceptInvitation check that allows everything.
func allowAccept(storage.Invitation, storage.Membership, bool) error { return nil }

func testInvitationRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	want := fullInvitation("inv_1", "acct_1", "Grace@Example.com")
	want.AcceptedBy = "usr_someone"
	newInvitation(t, s, want)
	got, err := s.GetInvitation(ctx, "inv_1")
	must(t, "GetInvitation", err)
	checkEqual(t, "GetInvitation", got, want)
	got, err = s.GetInvitationByToken(ctx, []byte("digest-of-inv_1"))
	must(t, "GetInvitationByToken", err)
	checkEqual(t, "GetInvitationByToken", got, want)
	for _, q := range []storage.InvitationQuery{{AccountID: "acct_1"}, {Email: "  grace@EXAMPLE.com"}} {
		list, next, err := s.ListInvitations(ctx, q)
		must(t, fmt.Sprintf("ListInvitations(%+v)", q), err)
		if next != "" {
			t.Errorf("ListInvitations(%+v) next = %q, want empty", q, next)
		}
		checkEqual(t, fmt.Sprintf("ListInvitations(%+v)", q), list, []storage.Invitation{want})
	}
	for _, missing := range []func() error{
		func() error { _, err := s.GetInvitation(ctx, "inv_missing"); return err },
		func() error { _, err := s.GetInvitationByToken(ctx, []byte("nope")); return err },
		func() error { _, err := s.GetInvitationByToken(ctx, nil); return err },
		func() error {
			_, err := s.UpdateInvitation(ctx, "inv_missing", func(i storage.Invitation) (storage.Invitation, error) { return i, nil })
			return err
		},
		func() error {
			_, _, err := s.AcceptInvitation(ctx, "inv_missing", "usr_1", at(0), allowAccept)
			return err
		},
	} {
		checkErr(t, "missing invitation", missing(), storage.ErrNotFound)
	}
}

func testInvitationCreateRefusals(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	newInvitation(t, s, fullInvitation("inv_1", "acct_1", "a@example.com"))
	sameToken := fullInvitation("inv_2", "acct_1", "b@example.com")
	sameToken.TokenHash = []byte("digest-of-inv_1")
	noToken := fullInvitation("inv_3", "acct_1", "c@example.com")
	noToken.TokenHash = nil
	tests := []struct {
		name string
		inv  storage.Invitation
		want error
	}{
		{"taken id", fullInvitation("inv_1", "acct_1", "z@example.com"), storage.ErrAlreadyExists},
		{"taken token", sameToken, storage.ErrAlreadyExists},
		{"missing account", fullInvitation("inv_4", "acct_missing", "d@example.com"), storage.ErrNotFound},
		{"no token", noToken, errAny},
		{"empty id", fullInvitation("", "acct_1", "e@example.com"), errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateInvitation(ctx, tt.inv)
			if tt.want == errAny && err == nil || tt.want != errAny && !isAny(err, tt.want) {
				t.Fatalf("CreateInvitation error = %v, want %v", err, tt.want)
			}
			list, _, err := s.ListInvitations(ctx, storage.InvitationQuery{Email: tt.inv.Email})
			must(t, "ListInvitations", err)
			if tt.inv.Email != "a@example.com" && len(list) != 0 {
				t.Fatalf("a refused invitation is listed: %+v", list)
			}
			got, err := s.GetInvitationByToken(ctx, []byte("digest-of-inv_1"))
			must(t, "GetInvitationByToken(inv_1)", err)
			if got.Email != "a@example.com" {
				t.Fatalf("inv_1's token finds %+v after a refused create", got)
			}
		})
	}
}

// testInvitationResend gives an invitation a new token, as a resend does,
// and expects the old token to find nothing and the fixed fields kept.
func testInvitationResend(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	newAccount(t, s, "acct_2", "", "usr_owner")
	orig := fullInvitation("inv_1", "acct_1", "a@example.com")
	newInvitation(t, s, orig)
	newInvitation(t, s, fullInvitation("inv_2", "acct_1", "b@example.com"))

	_, err := s.UpdateInvitation(ctx, "inv_1", func(i storage.Invitation) (storage.Invitation, error) {
		i.TokenHash = []byte("digest-of-inv_2")
		return i, nil
	})
	checkErr(t, "UpdateInvitation(another's token)", err, storage.ErrAlreadyExists)
	_, err = s.UpdateInvitation(ctx, "inv_1", func(i storage.Invitation) (storage.Invitation, error) {
		i.TokenHash = []byte("never")
		return i, errFn
	})
	checkErr(t, "UpdateInvitation(fn error)", err, errFn)
	_, err = s.GetInvitationByToken(ctx, []byte("never"))
	checkErr(t, "GetInvitationByToken(refused token)", err, storage.ErrNotFound)

	got, err := s.UpdateInvitation(ctx, "inv_1", func(i storage.Invitation) (storage.Invitation, error) {
		i.TokenHash, i.ExpiresAt, i.UpdatedAt = []byte("second-digest"), at(8*24*time.Hour), at(time.Hour)
		i.ID, i.AccountID, i.Email, i.CreatedAt = "inv_x", "acct_2", "x@example.com", at(time.Hour)
		return i, nil
	})
	must(t, "UpdateInvitation(resend)", err)
	want := orig
	want.TokenHash, want.ExpiresAt, want.UpdatedAt = []byte("second-digest"), at(8*24*time.Hour), at(time.Hour)
	checkEqual(t, "UpdateInvitation(resend)", got, want)
	_, err = s.GetInvitationByToken(ctx, orig.TokenHash)
	checkErr(t, "GetInvitationByToken(old token)", err, storage.ErrNotFound)
	got, err = s.GetInvitationByToken(ctx, []byte("second-digest"))
	must(t, "GetInvitationByToken(new token)", err)
	checkEqual(t, "GetInvitationByToken(new token)", got, want)
	for _, q := range []storage.InvitationQuery{{AccountID: "acct_2"}, {Email: "x@example.com"}} {
		list, _, err := s.ListInvitations(ctx, q)
		must(t, "ListInvitations", err)
		if len(list) != 0 {
			t.Fatalf("ListInvitations(%+v) = %+v, want none: the fixed fields cannot change", q, list)
		}
	}
}

func testListInvitationsPaging(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	newAccount(t, s, "acct_2", "", "usr_owner")
	for i, acct := range []string{"acct_1", "acct_2", "acct_1", "acct_1", "acct_2", "acct_1"} {
		email := fmt.Sprintf("p%d@example.com", i%2)
		newInvitation(t, s, fullInvitation(fmt.Sprint("inv_", i), acct, email))
	}
	ids := func(q storage.InvitationQuery) func(storage.PageRequest) ([]string, string, error) {
		return func(p storage.PageRequest) ([]string, string, error) {
			q.PageRequest = p
			list, next, err := s.ListInvitations(ctx, q)
			var ids []string
			for _, inv := range list {
				ids = append(ids, inv.ID)
			}
			return ids, next, err
		}
	}
	tests := []struct {
		q    storage.InvitationQuery
		want string
	}{
		{storage.InvitationQuery{AccountID: "acct_1"}, "[inv_0 inv_2 inv_3 inv_5]"},
		{storage.InvitationQuery{AccountID: "acct_2"}, "[inv_1 inv_4]"},
		{storage.InvitationQuery{Email: "P0@example.com"}, "[inv_0 inv_2 inv_4]"},
		{storage.InvitationQuery{Email: "nobody@example.com"}, "[]"},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 3, 0} {
			t.Run(fmt.Sprintf("%+v/size %d", tt.q, size), func(t *testing.T) {
				if got := fmt.Sprint(walkPages(t, size, ids(tt.q))); got != tt.want {
					t.Fatalf("ListInvitations(%+v) pages of %d = %v, want %v", tt.q, size, got, tt.want)
				}
			})
		}
	}
	for _, q := range []storage.InvitationQuery{{}, {AccountID: "acct_1", Email: "p0@example.com"}} {
		if _, _, err := s.ListInvitations(ctx, q); err == nil {
			t.Errorf("ListInvitations(%+v) error = nil, want an error", q)
		}
	}
}

func testAcceptInvitation(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	newInvitation(t, s, fullInvitation("inv_1", "acct_1", "grace@example.com"))
	var seenInv storage.Invitation
	var seenM storage.Membership
	var seenExists bool
	inv, m, err := s.AcceptInvitation(ctx, "inv_1", "usr_grace", at(time.Hour), func(i storage.Invitation, m storage.Membership, exists bool) error {
		seenInv, seenM, seenExists = i, m, exists
		return nil
	})
	must(t, "AcceptInvitation", err)
	checkEqual(t, "check's invitation", seenInv, fullInvitation("inv_1", "acct_1", "grace@example.com"))
	if seenExists || seenM != (storage.Membership{AccountID: "acct_1", UserID: "usr_grace"}) {
		t.Fatalf("check saw membership %+v, exists %v; want only the IDs and false", seenM, seenExists)
	}
	wantInv := fullInvitation("inv_1", "acct_1", "grace@example.com")
	wantInv.State, wantInv.AcceptedBy, wantInv.UpdatedAt = storage.InvitationAccepted, "usr_grace", at(time.Hour)
	wantM := storage.Membership{AccountID: "acct_1", UserID: "usr_grace", Role: storage.RoleDeveloper, Active: true,
		InvitedBy: "usr_owner", CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	checkEqual(t, "AcceptInvitation invitation", inv, wantInv)
	checkEqual(t, "AcceptInvitation membership", m, wantM)
	got, err := s.GetInvitationByToken(ctx, wantInv.TokenHash)
	must(t, "GetInvitationByToken(accepted)", err)
	checkEqual(t, "GetInvitationByToken(accepted)", got, wantInv)
	gotM, err := s.GetMembership(ctx, "acct_1", "usr_grace")
	must(t, "GetMembership", err)
	checkEqual(t, "GetMembership", gotM, wantM)
	list, _, err := s.ListUserMemberships(ctx, "usr_grace", storage.PageRequest{})
	must(t, "ListUserMemberships", err)
	if len(list) != 1 || list[0].AccountID != "acct_1" {
		t.Fatalf("ListUserMemberships(usr_grace) = %+v, want acct_1", list)
	}

	// A second accept of the same invitation fails and changes nothing.
	_, _, err = s.AcceptInvitation(ctx, "inv_1", "usr_other", at(2*time.Hour), allowAccept)
	checkErr(t, "AcceptInvitation(twice)", err, storage.ErrConflict)
	_, err = s.GetMembership(ctx, "acct_1", "usr_other")
	checkErr(t, "GetMembership(second acceptor)", err, storage.ErrNotFound)
}

func testAcceptInvitationReactivates(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	before := putMember(t, s, "acct_1", "usr_1", storage.RoleAdmin)
	_, err := s.PutMembership(ctx, "acct_1", "usr_1", removed(at(2*time.Hour)))
	must(t, "PutMembership(remove)", err)
	inv := fullInvitation("inv_1", "acct_1", "back@example.com")
	inv.Role, inv.InvitedBy = storage.RoleDefault, "usr_admin2"
	newInvitation(t, s, inv)
	_, m, err := s.AcceptInvitation(ctx, "inv_1", "usr_1", at(3*time.Hour), allowAccept)
	must(t, "AcceptInvitation", err)
	want := storage.Membership{AccountID: "acct_1", UserID: "usr_1", Role: storage.RoleDefault, Active: true,
		InvitedBy: "usr_admin2", CreatedAt: before.CreatedAt, UpdatedAt: at(3 * time.Hour)}
	checkEqual(t, "reactivated membership", m, want)
	got, err := s.GetMembership(ctx, "acct_1", "usr_1")
	must(t, "GetMembership", err)
	checkEqual(t, "GetMembership(reactivated)", got, want)
}

func testAcceptInvitationRefusals(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	states := []storage.InvitationState{storage.InvitationDeclined, storage.InvitationRevoked, storage.InvitationExpired, storage.InvitationAccepted}
	for _, st := range states {
		inv := fullInvitation("inv_"+string(st), "acct_1", "a@example.com")
		inv.State = st
		newInvitation(t, s, inv)
	}
	asOwner := fullInvitation("inv_owner", "acct_1", "b@example.com")
	asOwner.Role = storage.RoleOwner
	newInvitation(t, s, asOwner)
	newInvitation(t, s, fullInvitation("inv_ok", "acct_1", "c@example.com"))
	refuse := func(storage.Invitation, storage.Membership, bool) error { return errFn }
	type acceptCase struct {
		name  string
		id    string
		user  string
		check func(storage.Invitation, storage.Membership, bool) error
		want  error
	}
	tests := []acceptCase{
		{"check refuses", "inv_ok", "usr_1", refuse, errFn},
		{"owner role", "inv_owner", "usr_1", allowAccept, storage.ErrConflict},
		{"the Owner accepts", "inv_ok", "usr_owner", allowAccept, storage.ErrConflict},
	}
	for _, st := range states {
		tests = append(tests, acceptCase{string(st), "inv_" + string(st), "usr_1", allowAccept, storage.ErrConflict})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.AcceptInvitation(ctx, tt.id, tt.user, at(time.Hour), tt.check)
			checkErr(t, "AcceptInvitation", err, tt.want)
			_, err = s.GetMembership(ctx, "acct_1", "usr_1")
			checkErr(t, "GetMembership(usr_1)", err, storage.ErrNotFound)
			checkOneOwner(t, s, "acct_1", "usr_owner")
			got, err := s.GetInvitation(ctx, "inv_ok")
			must(t, "GetInvitation(inv_ok)", err)
			if got.State != storage.InvitationPending {
				t.Fatalf("inv_ok after a refused accept is %s, want pending", got.State)
			}
		})
	}
}
