package iam_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestTransferOwnership(t *testing.T) {
	ctx := context.Background()
	fresh := fixedNow.Add(-time.Minute)
	tests := []struct {
		name   string
		actor  string
		to     string
		stepUp time.Time
		code   string
		rule   string
	}{
		{"owner to admin", "usr_owner", "usr_adm", fresh, "", ""},
		{"stale step-up", "usr_owner", "usr_adm", fixedNow.Add(-iam.DefaultStepUpMaxAge - time.Second), iam.CodeForbidden, iam.RuleStepUp},
		{"no step-up", "usr_owner", "usr_adm", time.Time{}, iam.CodeForbidden, iam.RuleStepUp},
		{"step-up in the future", "usr_owner", "usr_adm", fixedNow.Add(time.Minute), iam.CodeForbidden, iam.RuleStepUp},
		{"to a developer", "usr_owner", "usr_dev", fresh, iam.CodeInvalid, ""},
		{"to a removed admin", "usr_owner", "usr_gone", fresh, iam.CodeInvalid, ""},
		{"to a stranger", "usr_owner", "usr_x", fresh, iam.CodeInvalid, ""},
		{"to self", "usr_owner", "usr_owner", fresh, iam.CodeInvalid, ""},
		{"by an admin", "usr_adm", "usr_adm2", fresh, iam.CodeForbidden, ""},
		{"by a stranger", "usr_x", "usr_adm", fresh, iam.CodeNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountsEnv(t, iam.AccountConfig{})
			a := e.account(t, "Acme", "", "usr_owner")
			e.member(t, a.ID, "usr_adm", storage.RoleAdmin)
			e.member(t, a.ID, "usr_adm2", storage.RoleAdmin)
			e.member(t, a.ID, "usr_dev", storage.RoleDeveloper)
			e.member(t, a.ID, "usr_gone", storage.RoleAdmin)
			e.user(t, "usr_x")
			if _, _, err := e.svc.RemoveMember(ctx, iam.OperatorActor(), a.ID, "usr_gone"); err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.TransferOwnership(ctx, as(tt.actor), a.ID, tt.to, tt.stepUp)
			wantCode(t, "TransferOwnership", err, tt.code)
			var ie *iam.Error
			if err != nil && asError(err, &ie) && ie.Rule != tt.rule {
				t.Fatalf("TransferOwnership rule = %q, want %q", ie.Rule, tt.rule)
			}
			owner := "usr_owner"
			if err == nil {
				owner = tt.to
				if got.FromUserID != "usr_owner" || got.ToUserID != tt.to || got.Account.OwnerID != tt.to {
					t.Fatalf("TransferOwnership = %+v, want from usr_owner to %s", got, tt.to)
				}
				m, _ := e.store.GetMembership(ctx, a.ID, "usr_owner")
				if m.Role != storage.RoleAdmin || !m.Active {
					t.Fatalf("old Owner's membership = %+v, want an active Admin", m)
				}
				events, _ := e.svc.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Action: iam.AuditOwnershipTransfer})
				if len(events) != 1 || events[0].Actor != "usr_owner" || events[0].Target != tt.to {
					t.Fatalf("transfer audit events = %+v, want one by usr_owner to %s", events, tt.to)
				}
			}
			checkOwner(t, e, a.ID, owner)
		})
	}
}

func TestOperatorTransferOwnership(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	a := e.account(t, "Acme", "", "usr_owner")
	e.member(t, a.ID, "usr_dev", storage.RoleDeveloper)
	_, err := e.svc.OperatorTransferOwnership(ctx, iam.OperatorActor(), a.ID, "usr_dev", "  ")
	wantCode(t, "OperatorTransferOwnership(no reason)", err, iam.CodeInvalid)
	_, err = e.svc.OperatorTransferOwnership(ctx, as("usr_owner"), a.ID, "usr_dev", "left")
	wantCode(t, "OperatorTransferOwnership(as a user)", err, iam.CodeForbidden)
	_, err = e.svc.OperatorTransferOwnership(ctx, iam.OperatorActor(), a.ID, "usr_nobody", "left")
	wantCode(t, "OperatorTransferOwnership(stranger)", err, iam.CodeInvalid)
	checkOwner(t, e, a.ID, "usr_owner")
	got, err := e.svc.OperatorTransferOwnership(ctx, iam.OperatorActor(), a.ID, "usr_dev", "the owner left")
	if err != nil || got.FromUserID != "usr_owner" || got.ToUserID != "usr_dev" {
		t.Fatalf("OperatorTransferOwnership = %+v, %v; want from usr_owner to usr_dev", got, err)
	}
	checkOwner(t, e, a.ID, "usr_dev")
	events, _ := e.svc.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Action: iam.AuditOwnershipTransfer})
	if len(events) != 1 || events[0].Detail["reason"] != "the owner left" || events[0].Actor != storage.AuditActorOperator {
		t.Fatalf("operator transfer audit = %+v, want the reason recorded", events)
	}
}

// checkOwner fails unless the account has exactly one active Owner, want,
// and OwnerID names it.
func checkOwner(t *testing.T, e *accountsEnv, accountID, want string) {
	t.Helper()
	ctx := context.Background()
	ms, _, err := e.store.ListAccountMembers(ctx, accountID, storage.PageRequest{Limit: storage.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var owners []string
	for _, m := range ms {
		if m.Role == storage.RoleOwner && m.Active {
			owners = append(owners, m.UserID)
		}
	}
	a, err := e.store.GetAccount(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 1 || owners[0] != a.OwnerID || (want != "" && a.OwnerID != want) {
		t.Fatalf("account %s: Owners %v, OwnerID %q; want exactly %q", accountID, owners, a.OwnerID, want)
	}
}

// TestConcurrentOwnerRules races transfers, operator transfers, role
// changes and removals by every member of one account through the rules,
// round after round, and checks after each round that exactly one Owner
// remains and OwnerID names it.
func TestConcurrentOwnerRules(t *testing.T) {
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("GATEHOUSE_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("GATEHOUSE_TEST_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (GATEHOUSE_TEST_SEED=%d reproduces it)", seed, seed)
	e := newAccountsEnv(t, iam.AccountConfig{})
	a := e.account(t, "Acme", "", "usr_00")
	const members, rounds, workers = 8, 12, 16
	users := []string{"usr_00"}
	for i := 1; i < members; i++ {
		u := fmt.Sprintf("usr_%02d", i)
		e.member(t, a.ID, u, storage.RoleAdmin)
		users = append(users, u)
	}
	transfers := 0
	for round := range rounds {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for w := range workers {
			rng := rand.New(rand.NewPCG(seed, uint64(round*workers+w)))
			wg.Go(func() {
				<-start
				ok, err := randomRuleOp(ctx, e, a.ID, users, rng)
				mu.Lock()
				defer mu.Unlock()
				if ok {
					transfers++
				}
				if code := iam.ErrorCode(err); code == iam.CodeInternal {
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			})
		}
		close(start)
		wg.Wait()
		checkOwner(t, e, a.ID, "")
	}
	t.Logf("%d transfers succeeded", transfers)
}

// randomRuleOp performs one random operation through the rules and
// reports whether it was a successful transfer.
func randomRuleOp(ctx context.Context, e *accountsEnv, accountID string, users []string, rng *rand.Rand) (bool, error) {
	actor, target := users[rng.IntN(len(users))], users[rng.IntN(len(users))]
	roles := []storage.Role{storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault}
	switch rng.IntN(5) {
	case 0:
		_, err := e.svc.TransferOwnership(ctx, as(actor), accountID, target, fixedNow)
		return err == nil, err
	case 1:
		_, err := e.svc.OperatorTransferOwnership(ctx, iam.OperatorActor(), accountID, target, "test")
		return err == nil, err
	case 2:
		_, err := e.svc.ChangeRole(ctx, as(actor), accountID, target, roles[rng.IntN(len(roles))])
		return false, err
	case 3:
		_, _, err := e.svc.RemoveMember(ctx, as(actor), accountID, target)
		return false, err
	default:
		_, err := e.svc.AddMember(ctx, iam.OperatorActor(), accountID, target, storage.RoleAdmin)
		return false, err
	}
}
