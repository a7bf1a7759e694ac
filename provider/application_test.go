package provider

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestRefreshRestrictedApplication: once the client is restricted to an
// account, its refresh tokens keep working only while the user may act in
// that account, even without scope account.
func TestRefreshRestrictedApplication(t *testing.T) {
	tests := []struct {
		name      string
		restrict  func(f accountsFixture) string
		change    func(t *testing.T, svc *iam.Service, e *env, f accountsFixture)
		wantError string
	}{
		{"open client", func(accountsFixture) string { return "" }, nil, ""},
		{"restricted to the user's account", func(f accountsFixture) string { return f.beta.ID }, nil, ""},
		{"restricted to the parent of the user's account", func(f accountsFixture) string { return f.acme.ID }, nil, "invalid_grant"},
		{"restricted to a foreign account", func(f accountsFixture) string { return f.foreign.ID }, nil, "invalid_grant"},
		{"membership removed", func(f accountsFixture) string { return f.beta.ID }, func(t *testing.T, svc *iam.Service, e *env, f accountsFixture) {
			if _, _, err := svc.RemoveMember(context.Background(), iam.OperatorActor(), f.beta.ID, e.user.ID); err != nil {
				t.Fatal(err)
			}
		}, "invalid_grant"},
		{"account suspended", func(f accountsFixture) string { return f.beta.ID }, func(t *testing.T, svc *iam.Service, e *env, f accountsFixture) {
			if _, err := svc.SetStatus(context.Background(), iam.OperatorActor(), f.beta.ID, storage.AccountSuspended, "test"); err != nil {
				t.Fatal(err)
			}
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, f := newAccountsEnv(t)
			v, verifier := e.accountParams("openid offline_access")
			tr := e.redeem(e.code(v).Get("code"), verifier)
			if tr.Status != http.StatusOK || tr.RefreshToken == "" {
				t.Fatalf("redeem status %d error %q, refresh token %q", tr.Status, tr.Error, tr.RefreshToken)
			}
			if _, err := e.store.UpdateClient(context.Background(), confID, func(c storage.Client) (storage.Client, error) {
				c.AccountID = tt.restrict(f)
				return c, nil
			}); err != nil {
				t.Fatal(err)
			}
			if tt.change != nil {
				tt.change(t, iamAccounts{e: e}.svc(), e, f)
			}
			rr := e.refresh(tr.RefreshToken, confID, confSecret)
			if tt.wantError != "" {
				if rr.Status != http.StatusBadRequest || rr.Error != tt.wantError {
					t.Fatalf("refresh status %d error %q, want 400 %s", rr.Status, rr.Error, tt.wantError)
				}
				return
			}
			if rr.Status != http.StatusOK || rr.AccessToken == "" {
				t.Fatalf("refresh status %d error %q %q, want tokens", rr.Status, rr.Error, rr.Description)
			}
		})
	}
}
