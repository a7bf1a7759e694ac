package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/console"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/profile"
	"github.com/gatehouse-id/gatehouse/provider"
	"github.com/gatehouse-id/gatehouse/reset"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/signout"
	"github.com/gatehouse-id/gatehouse/signup"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/cache"
	"github.com/gatehouse-id/gatehouse/templates"
)

// clientCacheTTL is how long the server serves a client from memory; a
// write by another process on a shared database is seen within it.
const clientCacheTTL = 5 * time.Second

// cmdServe runs the server until ctx ends or a server fails.
func cmdServe(ctx context.Context, e env, args []string) error {
	fs, configPath := newFlagSet(e, "serve", "[serve] [--config FILE]")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	cfg, err := loadConfig(*configPath, e.getenv)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.Log, e.stderr)
	if err != nil {
		return err
	}
	// zitadel/oidc logs through the global slog default (OIDC library
	// notes P19), so this is the one place that sets it.
	slog.SetDefault(logger)

	// Bad TLS files stop start-up before anything is written.
	tlsConfig, err := loadTLS(cfg.TLS)
	if err != nil {
		return err
	}
	dataDir, err := filepath.Abs(cfg.Storage.DataDir)
	if err != nil {
		return fmt.Errorf("storage.data_dir: %w", err)
	}
	if err := ensureDataDir(dataDir); err != nil {
		return err
	}
	db, err := openBackend(ctx, cfg, dataDir, func(err error) error {
		return fmt.Errorf("the data directory %s is in use: another gatehouse server is running on it (stop it first, or set a different storage.data_dir): %w", dataDir, err)
	})
	if err != nil {
		if cfg.Storage.Driver == driverBolt {
			return openFailure(err)
		}
		return err
	}
	defer db.Close()
	unmark, err := db.startChecks(ctx, dataDir, logger)
	if err != nil {
		return err
	}

	key, err := sealingKey(cfg.Secrets, dataDir)
	if err != nil {
		return err
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		return fmt.Errorf("secrets.key: %w", err)
	}
	if err := checkSealingKey(ctx, db, key, sealingKeyPlace(cfg, dataDir)); err != nil {
		return err
	}
	tmpl, err := templates.Parse()
	if err != nil {
		return fmt.Errorf("parse templates: %w", err)
	}
	hasher := password.NewHasher(cfg.PasswordParams(), cfg.maxHashes())

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	defer ln.Close()
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	issuer := cfg.Server.Issuer
	if issuer == "" {
		issuer = fmt.Sprintf("%s://localhost:%d", scheme, ln.Addr().(*net.TCPAddr).Port)
	}

	mailer, texter, err := newDelivery(ctx, cfg, dataDir, e.hooks.now, logger)
	if err != nil {
		return err
	}
	// Observability (observe.go): the metrics (nil when off) measure the
	// public handler's store and senders from the outside.
	obs := newMetrics(cfg.Metrics, hasher)
	// Clients and accounts are cached for a few seconds (storage/cache):
	// every token request reads its client once or twice, and an API
	// client's its account chain. Every store of this process
	// (the pages, the provider, the admin socket) writes through the
	// cache, so a change is seen at once.
	cached := cache.New(db, clientCacheTTL, e.hooks.now)
	// Every audit event is also logged (config_audit.go), whoever appends it.
	logged := auditLogStore{Store: cached, logger: logger}
	store := observeStore(logged, obs)
	mailer, texter = observeDelivery(mailer, texter, obs)
	// SMTP mail is queued and sent after the response (delivery.go); the
	// worker starts with the servers and is drained before the database
	// closes.
	mailer, mailQueue, err := queueMail(cfg, mailer, db, sealer, e.hooks.now, logger)
	if err != nil {
		return err
	}
	self, err := cfg.selfService(store, e.hooks.now)
	if err != nil {
		return err
	}
	handler, prov, err := newHandler(ctx, cfg, issuer, store, sealer, hasher, tmpl, key, mailer, texter, self, e.hooks.now, logger)
	if err != nil {
		return sealingKeyFailure(err, cfg, dataDir)
	}
	if err := recordSealingKey(ctx, db, key); err != nil {
		return err
	}
	handler = observe(handler, obs, cfg.Metrics.publicMetrics(), db, logger) // request IDs, /healthz, /readyz, /metrics
	adminLn, err := listenAdmin(dataDir)
	if err != nil {
		return err
	}
	defer adminLn.Close()

	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	composer, err := newComposer(cfg)
	if err != nil {
		return err
	}
	admin, err := adminHandler(newAccountsService(cfg, logged, hasher, e.hooks.now, mailer, composer, logger), logged,
		newOpMail(mailer, composer, logged, issuer, logger), cfg.Server.Dev, logger)
	if err != nil {
		return err
	}
	adminSrv := &http.Server{
		Handler:           withPprof(withKeys(withBackup(logChanges(admin, logger), db.bolt, logger), prov.Keys(), logger)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	errc := make(chan error, 2)
	// Observability: /metrics on a listener of its own (metrics.listen).
	stopMetrics, err := startMetrics(cfg.Metrics, obs, logger, errc, e.hooks.metricsReady)
	if err != nil {
		return err
	}
	defer stopMetrics()
	go func() {
		var err error
		if tlsConfig != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve %s: %w", ln.Addr(), err)
		}
	}()
	go func() {
		if err := adminSrv.Serve(adminLn); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve admin socket: %w", err)
		}
	}()
	if mailQueue != nil {
		mailQueue.Start() // first it sends what a previous process left
	}
	janitorCtx, stopJanitor := context.WithCancel(ctx)
	var wg sync.WaitGroup
	bg := newLease(db, backgroundLease, cfg.Cluster.LeaseTTL, e.hooks.now, logger)
	bg.renew(ctx)
	wg.Go(func() {
		t := time.NewTicker(bg.ttl / 3)
		defer t.Stop()
		bg.keep(janitorCtx, t.C)
	})
	wg.Go(func() {
		runJanitor(janitorCtx, db, bg.Held, e.hooks.janitorInterval, e.hooks.now, cfg.Session.IdleTimeout, cfg.Audit.Retention, logger)
	})
	wg.Go(func() {
		runKeyRotation(janitorCtx, prov.Keys(), cfg.Cluster.RefreshInterval, logger)
	})
	wg.Go(func() {
		sweepLimiters(janitorCtx, self.Limiters, limiterSweepInterval, e.hooks.now, logger)
	})
	vatTicks := e.hooks.vatTicks
	if vatTicks == nil {
		vatTicker := time.NewTicker(e.hooks.janitorInterval)
		defer vatTicker.Stop()
		vatTicks = vatTicker.C
	}
	wg.Go(func() {
		runVATRechecks(janitorCtx, newAccountsService(cfg, logged, hasher, e.hooks.now, mailer, composer, logger), bg.Held, vatTicks, logger)
	})

	printBanner(ctx, e.stdout, db, banner{prog: e.prog, configPath: *configPath, listen: scheme + "://" + ln.Addr().String(),
		issuer: issuer, dataDir: dataDir, codeLifetime: cfg.Tokens.AuthCodeLifetime}, logger)
	logger.Info("gatehouse started", "version", version, "listen", ln.Addr().String(), "issuer", issuer, "data_dir", dataDir)
	// Start-up (parsing the pages, the catalogues, the keys) leaves
	// garbage that an idle server would keep mapped; return it now.
	go debug.FreeOSMemory()
	if e.hooks.ready != nil {
		e.hooks.ready(ln.Addr().String())
	}

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case serveErr = <-errc:
		logger.Error("server failed; shutting down", "err", serveErr)
	}
	stopJanitor()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("shut down: %w", err))
	}
	if err := adminSrv.Shutdown(shutdownCtx); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("shut down admin socket: %w", err))
	}
	wg.Wait()
	// Nothing sends mail any more: flush the queue, within a shutdown
	// timeout of its own, before the database closes. What is left (a
	// message waiting on a backoff, or in flight at the deadline) stays
	// queued and goes after the next start, so it is no failure.
	if err := drainMail(context.WithoutCancel(ctx), mailQueue, cfg.Server.ShutdownTimeout); err != nil {
		logger.Warn("e-mail left queued for the next start", "err", err)
	}
	if err := db.Close(); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("close database: %w", err))
	} else {
		unmark() // a clean stop: the next start needs no check
	}
	logger.Info("stopped")
	return serveErr
}

// newHandler builds the public HTTP handler: the hosted pages first, then
// the OpenID provider as the catch-all.
func newHandler(ctx context.Context, cfg Config, issuer string, store storage.Store, sealer *secret.Sealer,
	hasher *password.Hasher, tmpl *templates.Set, key []byte, mailer notify.Mailer, texter notify.Texter,
	self login.SelfService, now func() time.Time, logger *slog.Logger) (http.Handler, *provider.Provider, error) {
	insecure := isHTTP(issuer)
	errPages := &errorPages{} // its site is set once the login pages exist
	// One iam.Service holds the account rules for every package.
	composer, err := newComposer(cfg)
	if err != nil {
		return nil, nil, err
	}
	accounts := newAccountsService(cfg, store, hasher, now, mailer, composer, logger)
	prov, err := newProvider(ctx, cfg, issuer, store, sealer, self, errPages, accounts, now)
	if err != nil {
		return nil, nil, err
	}
	passkeys, err := newPasskeys(cfg.WebAuthn, issuer, store, now, logger)
	if err != nil {
		return nil, nil, err
	}
	// One composer for every page package: the messages are parsed once,
	// and a user without a saved locale gets server.default_language.
	brand, err := cfg.Branding.branding()
	if err != nil {
		return nil, nil, err
	}
	if tmpl, err = tmpl.WithBranding(brand); err != nil {
		return nil, nil, fmt.Errorf("branding: %w", err)
	}
	r := mux.NewRouter()
	provHandler := prov.Handler()
	codePolicy := mfa.CodePolicy{Length: 6, TTL: cfg.MFA.CodeLifetime, MaxFailures: cfg.MFA.CodeMaxFailures,
		ResendAfter: cfg.MFA.CodeResendAfter, MaxSends: cfg.MFA.CodeMaxSends, SendWindow: cfg.MFA.CodeSendWindow}
	ld := login.Deps{
		Users:              store,
		AuthRequests:       store,
		Sessions:           store,
		Tokens:             store,
		Clients:            store,
		Passwords:          hasher,
		Templates:          tmpl.WithDefaultLanguage(cfg.DefaultLanguage()),
		Messages:           composer,
		Now:                now,
		Logger:             logger,
		Audit:              store,
		CallbackURL:        prov.CallbackURL,
		Callback:           provHandler,
		FailAuthRequest:    prov.FailAuthRequest,
		Issuer:             issuer,
		SecureCookies:      !insecure,
		SessionLifetime:    cfg.Session.Lifetime,
		SessionIdleTimeout: cfg.Session.IdleTimeout,
		CSRFKey:            deriveKey(key, "gatehouse login csrf v1"),
		MFA:                store,
		Mailer:             mailer,
		Texter:             texter,
		OTPPepper:          deriveKey(key, "gatehouse otp pepper v1"),
		TOTPSealer:         sealer,
		TOTPIssuer:         cfg.MFA.TOTPIssuer,
		CodePolicy:         codePolicy,
		TrustedDevices:     cfg.MFA.TrustedDevices,
		DeviceKey:          deriveKey(key, "gatehouse device v1"),
		DeviceTTL:          cfg.MFA.TrustedDeviceLifetime,
		Avatars:            store,
		Accounts:           accounts,
		Passkeys:           passkeys,
		SelfService:        self,
	}
	pages, err := login.New(ld)
	if err != nil {
		return nil, nil, fmt.Errorf("start login pages: %w", err)
	}
	pages.Mount(r)
	errPages.site = pages.Site()
	if err := mountSignOut(r, pages, ld, store); err != nil {
		return nil, nil, err
	}
	if err := mountBesideLogin(r, pages, ld, composer, accounts); err != nil {
		return nil, nil, err
	}
	if err := mountConsole(r, pages, ld, accounts, composer); err != nil {
		return nil, nil, err
	}
	if err := mountAPI(r, prov, accounts, store, mailer, composer, issuer, cfg.DefaultLanguage(), pages.Site().ClientIP, logger); err != nil {
		return nil, nil, err
	}
	// The provider is the catch-all, except for a hosted page's path asked
	// with another method, which gets the 405 page. The method check comes
	// first: a matching path clears the router's method mismatch.
	r.MatcherFunc(func(_ *http.Request, m *mux.RouteMatch) bool {
		return m.MatchErr != mux.ErrMethodMismatch
	}).PathPrefix("/").Handler(provHandler)
	r.NotFoundHandler = http.HandlerFunc(errPages.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(errPages.methodNotAllowed)
	errPages.router = r
	return providerFirst(r, provHandler), prov, nil
}

// providerPaths are the provider's machine endpoints: no hosted page has
// these paths, so they skip the router, whose regular expressions over
// every page route would cost them more than their own work.
var providerPaths = map[string]bool{
	"/.well-known/openid-configuration": true, "/keys": true, "/oauth/token": true,
	"/oauth/introspect": true, "/revoke": true, "/userinfo": true,
}

// providerFirst serves providerPaths with prov and everything else with
// pages.
func providerFirst(pages, prov http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if providerPaths[r.URL.Path] {
			prov.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// newComposer builds the e-mail and text composer of cfg: branded, and in
// server.default_language for users without a saved locale.
func newComposer(cfg Config) (*notify.Composer, error) {
	brand, err := cfg.Branding.branding()
	if err != nil {
		return nil, err
	}
	composer, err := notify.NewComposer(brand.Product())
	if err != nil {
		return nil, fmt.Errorf("message templates: %w", err)
	}
	if composer, err = composer.WithSupport(brand.SupportEmail, brand.SupportURL); err != nil {
		return nil, fmt.Errorf("branding: %w", err)
	}
	return composer.WithDefaultLanguage(cfg.DefaultLanguage()), nil
}

// newProvider builds the OpenID provider of cfg: bound to the browser by
// the sign-in pages' binding cookie, /authorize limited per IP, and its
// refusals shown as the hosted pages' error page (errPages).
func newProvider(ctx context.Context, cfg Config, issuer string, store storage.Store, sealer *secret.Sealer,
	self login.SelfService, errPages *errorPages, accounts *iam.Service, now func() time.Time) (*provider.Provider, error) {
	insecure := isHTTP(issuer)
	prov, err := provider.New(ctx, provider.Config{
		Issuer:                       issuer,
		LoginURL:                     "/login",
		LogoutURL:                    signout.PathLogout,
		AllowInsecure:                insecure,
		BindBrowser:                  authreq.BrowserBinding(!insecure),
		AuthorizeGuard:               limitAuthorize(self.Limiters.Authorize, self.TrustedProxies, http.HandlerFunc(errPages.limited)),
		ErrorPage:                    errPages.provider,
		Accounts:                     tokenAccounts{svc: accounts},
		AccessTokenLifetime:          cfg.Tokens.AccessTokenLifetime,
		AccessTokenAlg:               cfg.Keys.AccessTokenAlg,
		IDTokenAlg:                   cfg.Keys.IDTokenAlg,
		IDTokenLifetime:              cfg.Tokens.IDTokenLifetime,
		RefreshTokenLifetime:         cfg.Tokens.RefreshTokenLifetime,
		RefreshTokenAbsoluteLifetime: cfg.Tokens.RefreshTokenAbsoluteLifetime,
		AuthRequestLifetime:          cfg.Tokens.AuthRequestLifetime,
		CodeLifetime:                 cfg.Tokens.AuthCodeLifetime,
		KeyRotation:                  cfg.keyPolicy(),
		TokenIssued:                  tokenIssuedMetric(store),
	}, store, sealer, now)
	if err != nil {
		return nil, fmt.Errorf("start provider: %w", err)
	}
	return prov, nil
}

// mountBesideLogin mounts the profile and the registration pages beside
// the sign-in pages, with the dependencies of ld: they share the sign-in
// pages' site (CSRF key), session, code sender and auth-request flow,
// and composer, the message composer of every page package, and accounts,
// the account rules (the first account, the invitations).
func mountBesideLogin(r *mux.Router, pages *login.Handler, ld login.Deps, composer *notify.Composer, accounts *iam.Service) error {
	resetLinks, err := mountReset(r, pages, ld, composer)
	if err != nil {
		return err
	}
	profilePages, err := profile.New(profile.Deps{
		Site: pages.Site(), Session: pages.Session(), Codes: pages.Codes(),
		Users: ld.Users, Sessions: ld.Sessions, MFA: ld.MFA, Tokens: ld.Tokens, Passwords: ld.Passwords,
		CurrentPassword: pages, ResetLinks: resetLinks,
		Mailer: ld.Mailer, Texter: ld.Texter, Messages: composer, Audit: ld.Audit, Avatars: ld.Avatars, Passkeys: ld.Passkeys,
		TrustedDevices: ld.TrustedDevices, Limiters: ld.Limiters, Now: ld.Now, Logger: ld.Logger, Accounts: accounts,
	})
	if err != nil {
		return fmt.Errorf("start profile pages: %w", err)
	}
	profilePages.Mount(r)
	signupPages, err := signup.New(signup.Deps{
		Site: pages.Site(), Flow: pages.Flow(), Users: ld.Users, MFA: ld.MFA, Passwords: ld.Passwords, Mailer: ld.Mailer,
		Messages: composer, Sealer: ld.TOTPSealer, Product: ld.TOTPIssuer, OTPPepper: ld.OTPPepper, CodePolicy: ld.CodePolicy,
		Regulator: ld.Regulator, Limiters: ld.Limiters, Audit: ld.Audit, Enabled: ld.Registration, Now: ld.Now, Logger: ld.Logger,
		Texter: ld.Texter, Accounts: accounts, Session: pages.Session(),
	})
	if err != nil {
		return fmt.Errorf("start registration pages: %w", err)
	}
	signupPages.Mount(r)
	return nil
}

// mountReset mounts "Forgot password?" and the reset link's page (package
// reset) beside the sign-in pages, with their site, flow and language, and
// returns the link sender of the profile's "Send reset password link". It
// mounts nothing and returns nil when password resets are off
// (ld.PasswordResets).
func mountReset(r *mux.Router, pages *login.Handler, ld login.Deps, composer *notify.Composer) (func(context.Context, storage.User, string) error, error) {
	if ld.PasswordResets == nil {
		return nil, nil
	}
	h, err := reset.New(reset.Deps{Site: pages.Site(), Flow: pages.Flow(), Users: ld.Users, Sessions: ld.Sessions,
		Passwords: ld.Passwords, Resets: ld.PasswordResets, MFA: ld.MFA, GuessPolicy: ld.GuessPolicy, Tokens: ld.Tokens,
		Regulator: ld.Regulator, Limiter: ld.Limiters.Reset, Mailer: ld.Mailer, Texter: ld.Texter, Messages: composer,
		Product: ld.TOTPIssuer, Issuer: ld.Issuer, LinkTTL: ld.ResetLinkTTL, Audit: ld.Audit, Lang: pages.ChooseLang,
		Now: ld.Now, Logger: ld.Logger})
	if err != nil {
		return nil, fmt.Errorf("start password reset pages: %w", err)
	}
	h.Mount(r)
	return h.LinkSender(), nil
}

// mountSignOut mounts the home page, /logout and the static files
// (package signout) beside the sign-in pages, with their site, session
// and language, and store's pending logouts.
func mountSignOut(r *mux.Router, pages *login.Handler, ld login.Deps, store storage.Store) error {
	h, err := signout.New(signout.Deps{Site: pages.Site(), Session: pages.Session(), Logouts: store, Tokens: ld.Tokens,
		Audit: ld.Audit, Lang: pages.ChooseLang, Now: ld.Now, Logger: ld.Logger})
	if err != nil {
		return fmt.Errorf("start sign-out pages: %w", err)
	}
	h.Mount(r)
	return nil
}

// mountConsole mounts the account console (package console) beside the
// sign-in pages, with their site and session, the rules of accounts, and
// ld's store, mailer, issuer, clock and log.
func mountConsole(r *mux.Router, pages *login.Handler, ld login.Deps, accounts *iam.Service, composer *notify.Composer) error {
	c, err := console.New(console.Deps{Site: pages.Site(), Session: pages.Session(), IAM: accounts, Users: ld.Users,
		Mailer: ld.Mailer, Messages: composer, Issuer: ld.Issuer, Now: ld.Now, Logger: ld.Logger})
	if err != nil {
		return fmt.Errorf("start account console: %w", err)
	}
	c.Mount(r)
	return nil
}

// newPasskeys returns the WebAuthn service for the relying party of cfg,
// derived from the issuer where not configured. An issuer whose host is
// an IP address cannot be a relying party: without webauthn.rp_id,
// security keys and passkeys are then off (with a warning); a configured
// relying party that is not valid is an error.
func newPasskeys(cfg WebAuthnConfig, issuer string, store storage.Store, now func() time.Time, logger *slog.Logger) (*passkey.Service, error) {
	svc, err := passkey.New(cfg.passkeyConfig(issuer), store, store, now)
	switch {
	case err == nil:
		return svc, nil
	case cfg.RPID == "" && cfg.Origins == "":
		logger.Warn("security keys and passkeys are off: the issuer's host cannot be a WebAuthn relying party ID; set webauthn.rp_id and webauthn.origins", "issuer", issuer, "err", err)
		return nil, nil
	}
	return nil, fmt.Errorf("webauthn: %w", err)
}

// janitorStore is what the janitor sweeps.
type janitorStore interface {
	storage.Sweeper
	storage.Audit
}

// runJanitor sweeps expired records now and then every interval until ctx
// ends, in the rounds where leader reports that this process holds the
// background lease. Sessions idle for longer than idle are swept too, and
// audit events older than retention (none when it is zero).
func runJanitor(ctx context.Context, sweeper janitorStore, leader func() bool, interval time.Duration, now func() time.Time, idle, retention time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if !leader() {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				continue
			}
		}
		n := now()
		swept, err := sweeper.DeleteExpired(ctx, n, n.Add(-idle))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("sweep expired records", "err", err)
		case swept.Total() > 0:
			logger.Debug("swept expired records", "auth_requests", swept.AuthRequests, "auth_codes", swept.AuthCodes,
				"access_tokens", swept.AccessTokens, "refresh_tokens", swept.RefreshTokens, "sessions", swept.Sessions, "logouts", swept.Logouts)
		}
		sweepAudit(ctx, sweeper, retention, n, logger)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// newLogger returns the logger the configuration asks for. Every string
// in a record is bounded and stripped of control characters
// (provider.NewBoundedLogHandler), because requests put values such as
// state and login_hint into the logs of the library and of the pages.
func newLogger(lc LogConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(lc.Level)); err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: nameAuditLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if lc.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(withRequestID(provider.NewBoundedLogHandler(h))), nil
}

// sealingKey returns secrets.key, or the key in <dataDir>/secret.key,
// created on first start.
func sealingKey(sc SecretsConfig, dataDir string) ([]byte, error) {
	if sc.Key != "" {
		k, err := secret.ParseKey(sc.Key)
		if err != nil {
			return nil, fmt.Errorf("secrets.key: %w", err)
		}
		return k, nil
	}
	k, err := secret.LoadOrCreateKeyFile(filepath.Join(dataDir, keyFileName))
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	return k, nil
}

// deriveKey derives a purpose-specific 32-byte key from the sealing key,
// so that one secret serves several purposes without reuse.
func deriveKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// loadTLS loads the certificate and key when TLS is configured, so that a
// bad file stops start-up; it returns nil without TLS.
func loadTLS(tc TLSConfig) (*tls.Config, error) {
	if tc.CertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(tc.CertFile, tc.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls.cert_file, tls.key_file: load %s and %s: %w", tc.CertFile, tc.KeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// isHTTP reports whether the issuer uses plain http.
func isHTTP(issuer string) bool {
	return strings.HasPrefix(issuer, "http://")
}
