package storagetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var accountConcurrencyTests = []test{
	{"ConcurrentOwnerOperations", testConcurrentOwnerOperations},
	{"ConcurrentInvitationAccepts", testConcurrentInvitationAccepts},
	{"ConcurrentAccountCreation", testConcurrentAccountCreation},
}

// Sizes of testConcurrentOwnerOperations.
const (
	ownerOpsSeed    = 20260304
	ownerOpsRounds  = 8
	ownerOpsWorkers = 24
	ownerOpsEach    = 4
	ownerOpsMembers = 12
)

// testConcurrentOwnerOperations lets many goroutines transfer ownership,
// change roles, remove and re-add members of one account at once, with no
// rule but the backend's, and checks after every round that the account
// has exactly one active Owner, named by OwnerID.
func testConcurrentOwnerOperations(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_00")
	for i := 1; i < ownerOpsMembers; i++ {
		putMember(t, s, "acct_1", fmt.Sprintf("usr_%02d", i), storage.RoleAdmin)
	}
	t.Logf("seed %d", ownerOpsSeed)
	transfers := 0
	for round := range ownerOpsRounds {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		start := make(chan struct{})
		for w := range ownerOpsWorkers {
			rng := rand.New(rand.NewPCG(ownerOpsSeed, uint64(round*ownerOpsWorkers+w)))
			wg.Go(func() {
				<-start
				for range ownerOpsEach {
					transferred, err := randomOwnerOp(ctx, s, rng, at(time.Duration(round)*time.Minute))
					mu.Lock()
					if transferred {
						transfers++
					}
					if err != nil && !isAny(err, storage.ErrConflict, storage.ErrNotFound) {
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("round %d: %d operations failed unexpectedly, first: %v", round, len(errs), errs[0])
		}
		checkOneOwner(t, s, "acct_1", "")
	}
	if transfers == 0 {
		t.Fatal("no transfer succeeded: the test did not exercise the swap")
	}
}

// randomOwnerOp performs one random operation on acct_1 and reports
// whether it was a successful transfer.
func randomOwnerOp(ctx context.Context, s storage.Store, rng *rand.Rand, now time.Time) (bool, error) {
	user := fmt.Sprintf("usr_%02d", rng.IntN(ownerOpsMembers))
	roles := []storage.Role{storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault, storage.RoleOwner}
	switch rng.IntN(4) {
	case 0:
		_, err := s.TransferOwnership(ctx, "acct_1", user, now, acceptAll)
		return err == nil, err
	case 1:
		_, err := s.PutMembership(ctx, "acct_1", user, member(roles[rng.IntN(len(roles))], now))
		return false, err
	case 2:
		_, err := s.PutMembership(ctx, "acct_1", user, removed(now))
		return false, err
	default:
		_, err := s.PutMembership(ctx, "acct_1", user, member(storage.RoleAdmin, now))
		return false, err
	}
}

// testConcurrentInvitationAccepts lets many users accept one invitation at
// once: exactly one becomes a member.
func testConcurrentInvitationAccepts(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	newInvitation(t, s, fullInvitation("inv_1", "acct_1", "a@example.com"))
	winners := raceLosing(t, []error{storage.ErrConflict}, func(i int) error {
		_, _, err := s.AcceptInvitation(ctx, "inv_1", fmt.Sprint("usr_", i), at(time.Hour), allowAccept)
		return err
	})
	if len(winners) != 1 {
		t.Fatalf("%d of %d concurrent accepts of one invitation succeeded, want 1", len(winners), racers)
	}
	inv, err := s.GetInvitation(ctx, "inv_1")
	must(t, "GetInvitation", err)
	if want := fmt.Sprint("usr_", winners[0]); inv.State != storage.InvitationAccepted || inv.AcceptedBy != want {
		t.Fatalf("invitation after the race = %s by %q, want accepted by %q", inv.State, inv.AcceptedBy, want)
	}
	members, _, err := s.ListAccountMembers(ctx, "acct_1", storage.PageRequest{Limit: storage.MaxPageSize})
	must(t, "ListAccountMembers", err)
	if len(members) != 2 {
		t.Fatalf("account has %d members after the race, want the Owner and the winner", len(members))
	}
}

// testConcurrentAccountCreation races creations of one ID (one wins) and
// of distinct children of one parent (all win, all counted and listed).
func testConcurrentAccountCreation(t *testing.T, s storage.Store) {
	ctx := context.Background()
	winners := raceLosing(t, []error{storage.ErrAlreadyExists}, func(i int) error {
		_, err := s.CreateAccount(ctx, fullAccount("acct_same", ""), ownerMembership(fmt.Sprint("usr_", i)))
		return err
	})
	if len(winners) != 1 {
		t.Fatalf("%d of %d concurrent creations of one account ID succeeded, want 1", len(winners), racers)
	}
	checkOneOwner(t, s, "acct_same", fmt.Sprint("usr_", winners[0]))
	winners = raceLosing(t, nil, func(i int) error {
		_, err := s.CreateAccount(ctx, fullAccount(fmt.Sprintf("acct_kid%02d", i), "acct_same"), ownerMembership("usr_k"))
		return err
	})
	kids, _, err := s.ListAccounts(ctx, storage.AccountQuery{ParentID: "acct_same", PageRequest: storage.PageRequest{Limit: storage.MaxPageSize}})
	must(t, "ListAccounts", err)
	n, err := s.CountAccounts(ctx)
	must(t, "CountAccounts", err)
	if len(winners) != racers || len(kids) != racers || n != racers+1 {
		t.Fatalf("concurrent children: %d created, %d listed, %d counted; want %d, %d, %d", len(winners), len(kids), n, racers, racers, racers+1)
	}
}
