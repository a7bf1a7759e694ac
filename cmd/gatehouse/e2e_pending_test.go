package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/vat"
)

// The fake VIES's answers.
const (
	viesAnswerValid       = `{"valid":true,"name":"Example GmbH"}`
	viesAnswerNotValid    = `{"valid":false,"userError":"INVALID"}`
	viesAnswerUnavailable = `{"actionSucceed":false,"errorWrappers":[{"error":"MS_UNAVAILABLE","message":"down"}]}`
)

// pendingServer is an e2e server whose VAT numbers are checked by a fake
// VIES and whose background re-checks run when the test ticks.
type pendingServer struct {
	*e2e
	desk  *viesDesk
	ticks chan time.Time
}

// startPendingServer starts the e2e server in vat.mode vies against a
// fake VIES that first answers unavailable.
func startPendingServer(t *testing.T) *pendingServer {
	t.Helper()
	desk := &viesDesk{body: viesAnswerUnavailable}
	srv := httptest.NewServer(desk)
	t.Cleanup(srv.Close)
	ticks := make(chan time.Time)
	e := startE2EFull(t, map[string]string{"GATEHOUSE_VAT_MODE": "vies", "GATEHOUSE_VAT_VIES_URL": srv.URL}, hooks{vatTicks: ticks})
	return &pendingServer{e2e: e, desk: desk, ticks: ticks}
}

// recheck lets the clock pass the first re-check's interval and runs one
// round of the background re-checks to its end.
func (p *pendingServer) recheck() {
	p.clock.Advance(iam.VATRecheckFast + time.Second)
	p.ticks <- p.clock.Now()
	p.ticks <- p.clock.Now() // taken once the first round is done
}

// TestE2EPendingAccountGetsNoToken: a relying party asking for scope
// account gets no token for the user's PENDING business account (whose
// VAT number VIES could not check): access_denied when it names the
// account, and without naming it the picker offers Complete setup or to
// go on without an account, whose tokens carry none. After the background
// re-check finds the number valid, the account is ACTIVE, its Owner is
// e-mailed, and the relying party gets tokens for it.
func TestE2EPendingAccountGetsNoToken(t *testing.T) {
	p := startPendingServer(t)
	var acct storage.Account
	p.withStore(t, func(ctx context.Context, _ *iam.Service, db *boltdb.DB) {
		svc := iam.New(db, nil, p.clock.Now, iam.WithVAT(vat.Validator{Mode: vat.ModeVIES,
			Client: &vat.Client{BaseURL: p.env["GATEHOUSE_VAT_VIES_URL"], Timeout: 5 * time.Second}}))
		u, err := db.GetUserByEmail(ctx, p.email)
		if err != nil {
			t.Fatal(err)
		}
		acct, err = svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "Example GmbH", OwnerID: u.ID, Type: storage.AccountBusiness})
		if err != nil {
			t.Fatal(err)
		}
		acct, err = svc.SetBusinessDetails(ctx, iam.UserActor(u.ID, "", ""), acct.ID, iam.BusinessDetails{CompanyName: "Example GmbH",
			Street: "Hauptstr. 1", Postcode: "10115", City: "Berlin", Country: "DE", VATNumber: "DE136695976"})
		if err != nil || acct.Status != storage.AccountPending {
			t.Fatalf("business account = %s %q, %v; want PENDING (VIES unreachable)", acct.Status, acct.PendingReasons, err)
		}
	})

	// Named with account=: access_denied at the relying party.
	b := newBrowser(t)
	cfg := p.oauth
	cfg.Scopes = accountScopes
	verifier, _ := pkce()
	cb, _ := p.signInPicking(t, b, p.rewrite(cfg.AuthCodeURL("st-pending", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("account", acct.ID))), acct.ID)
	if got := cb.Query().Get("error"); got != "access_denied" || cb.Query().Get("code") != "" {
		t.Fatalf("sign-in for the PENDING account reached the relying party with %s, want error=access_denied and no code", cb)
	}

	// Unnamed: the picker, then tokens without an account.
	tok, seen := p.accountTokens(t, newBrowser(t), "")
	if !seen.shown {
		t.Fatal("the Owner of a PENDING account was not shown the picker")
	}
	if _, ok := pickerForm(seen.body, acct.ID); ok {
		t.Fatal("the picker offers the PENDING account for the sign-in")
	}
	if got := p.claimsEverywhere(t, tok); got["id_token"].AccountID != "" || len(got["id_token"].Accounts) != 0 {
		t.Fatalf("tokens carry account %q and list %v, want none", got["id_token"].AccountID, got["id_token"].ids())
	}

	p.desk.set(viesAnswerValid)
	p.recheck()
	m, _, err := notify.ReadLatestEmail(filepath.Join(p.env["GATEHOUSE_STORAGE_DATA_DIR"], "outbox"), p.email)
	if err != nil || m.Subject != "Example GmbH is active" {
		t.Fatalf("the Owner's latest mail = %q, %v; want the activation notice", m.Subject, err)
	}
	tok, seen = p.accountTokens(t, newBrowser(t), acct.ID, oauth2.SetAuthURLParam("account", acct.ID))
	got := p.claimsEverywhere(t, tok)
	wantTokenAccount(t, got, acct.ID, "Example GmbH", "owner", []string{acct.ID})
	if seen.shown {
		t.Error("the picker was shown for a named ACTIVE account")
	}
}
