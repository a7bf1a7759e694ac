package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// newAccountsService returns the iam.Service of the account rules with
// the configuration's account settings and VAT validator, and the
// activation notice: when an account's setup completes, its Owner is
// e-mailed (ownerActivated). Every part of the server uses one built
// here, so that they apply the same rules.
func newAccountsService(cfg Config, store storage.Store, hasher *password.Hasher, now func() time.Time,
	mailer notify.Mailer, composer *notify.Composer, logger *slog.Logger) *iam.Service {
	if now == nil {
		now = time.Now
	}
	notice := func(ctx context.Context, a storage.Account) {
		ownerActivated(ctx, store, mailer, composer, now, logger, a)
	}
	return iam.New(store, hasher, now, iam.WithAccounts(cfg.Accounts.iamConfig()),
		iam.WithVAT(cfg.VAT.validator()), iam.WithActivationNotifier(notice), iam.WithDevURIs(cfg.Server.Dev))
}

// ownerActivated e-mails the Owner of a that its setup is complete, in
// the Owner's language. A failure is logged: the account is active
// regardless.
func ownerActivated(ctx context.Context, users storage.Users, mailer notify.Mailer, composer *notify.Composer,
	now func() time.Time, logger *slog.Logger, a storage.Account) {
	if mailer == nil || composer == nil {
		return
	}
	u, err := users.GetUser(ctx, a.OwnerID)
	if err != nil {
		logger.ErrorContext(ctx, "activation notice: owner not loaded", "account_id", a.ID, "err", err)
		return
	}
	m, err := composer.ForLocale(u.Locale).AccountActivatedEmail(u.Email, u.GivenName, a.Name, now())
	if err == nil {
		err = mailer.SendEmail(ctx, m)
	}
	if err != nil {
		logger.ErrorContext(ctx, "activation notice not sent", "account_id", a.ID, "user_id", u.ID, "err", err)
		return
	}
	logger.InfoContext(ctx, "activation notice sent", "account_id", a.ID, "user_id", u.ID)
}

// vatRecheckBatch bounds the accounts one round of runVATRechecks checks.
const vatRecheckBatch = 100

// runVATRechecks re-checks, on every tick until ctx ends, the VAT numbers
// whose next check is due (iam.RecheckDueVAT), in the rounds where leader
// reports that this process holds the background lease, so that of several
// servers on one database one asks VIES. What is due is stored on the
// accounts, so a restart or a move of the lease loses nothing.
func runVATRechecks(ctx context.Context, svc *iam.Service, leader func() bool, ticks <-chan time.Time, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		if !leader() {
			continue
		}
		n, err := svc.RecheckDueVAT(ctx, vatRecheckBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("vat re-check", "checked", n, "err", err)
		case n > 0:
			logger.Info("vat numbers re-checked", "checked", n)
		}
	}
}
