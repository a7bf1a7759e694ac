package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// Files in the data directory.
const (
	dbFileName      = "gatehouse.db"
	keyFileName     = "secret.key"
	adminSocketName = "admin.sock"
)

// Admin socket limits.
const (
	// adminDialTimeout bounds the CLI's attempt to reach a running server.
	adminDialTimeout = 500 * time.Millisecond
	// adminRequestTimeout bounds one admin request (hashing a password
	// can wait for a free hashing slot).
	adminRequestTimeout = 30 * time.Second
	// maxAdminBody bounds an admin request body.
	maxAdminBody = 1 << 20
	// maxSocketPath is the longest unix socket path Linux accepts
	// (sun_path is 108 bytes with the terminating NUL).
	maxSocketPath = 107
)

// userJSON is a user as the admin API shows it: no password hash.
type userJSON struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	GivenName     string    `json:"given_name"`
	FamilyName    string    `json:"family_name"`
	Phone         string    `json:"phone,omitempty"`
	PhoneVerified bool      `json:"phone_verified,omitempty"`
	State         string    `json:"state"`
	MFAMethod     string    `json:"mfa_method"`
	CreatedAt     time.Time `json:"created_at"`
}

// Name returns the display name.
func (u userJSON) Name() string {
	return strings.TrimSpace(u.GivenName + " " + u.FamilyName)
}

// toUserJSON converts a stored user.
func toUserJSON(u storage.User) userJSON {
	return userJSON{
		ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Phone: u.Phone, PhoneVerified: u.PhoneVerified, State: string(u.State), MFAMethod: u.MFAMethod, CreatedAt: u.CreatedAt.UTC(),
	}
}

// clientJSON is a client as the admin API shows it: no secret digest.
type clientJSON struct {
	ID                     string    `json:"client_id"`
	Name                   string    `json:"name"`
	Public                 bool      `json:"public"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris,omitempty"`
	LogoURI                string    `json:"logo_uri,omitempty"`
	ClientURI              string    `json:"client_uri,omitempty"`
	GrantTypes             []string  `json:"grant_types"`
	RequirePKCE            bool      `json:"require_pkce"`
	IDTokenAlg             string    `json:"id_token_alg"`
	CreatedAt              time.Time `json:"created_at"`
}

// toClientJSON converts a stored client.
func toClientJSON(c storage.Client) clientJSON {
	return clientJSON{
		ID: c.ID, Name: c.Name, Public: c.Public, RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		LogoURI: c.LogoURI, ClientURI: c.ClientURI, GrantTypes: c.GrantTypes, RequirePKCE: c.RequirePKCE, IDTokenAlg: c.IDTokenAlg, CreatedAt: c.CreatedAt.UTC(),
	}
}

// newUserJSON is the body of POST /users.
type newUserJSON struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Password   string `json:"password"`
}

// newClientJSON is the body of POST /clients.
type newClientJSON struct {
	Name                   string   `json:"name"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	LogoURI                string   `json:"logo_uri"`
	ClientURI              string   `json:"client_uri"`
	Public                 bool     `json:"public"`
	GrantTypes             []string `json:"grant_types"`
	IDTokenAlg             string   `json:"id_token_alg"`
	RequirePKCE            bool     `json:"require_pkce"`
}

// resetMFAJSON is the body of POST /users/mfa/reset.
type resetMFAJSON struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// unlockedJSON is the answer to POST /users/mfa/unlock.
type unlockedJSON struct {
	User      userJSON `json:"user"`
	WasLocked bool     `json:"was_locked"`
}

// setMFAJSON is the body of POST /users/mfa/method.
type setMFAJSON struct {
	Email  string `json:"email"`
	Method string `json:"method"`
	Phone  string `json:"phone"`
}

// auditJSON is an audit event as the admin API shows it.
type auditJSON struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	AccountID string            `json:"account_id,omitempty"`
	Target    string            `json:"target,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// toAuditJSON converts stored audit events.
func toAuditJSON(events []storage.AuditEvent) []auditJSON {
	out := make([]auditJSON, len(events))
	for i, e := range events {
		out[i] = auditJSON{ID: e.ID, Time: e.Time.UTC(), Actor: e.Actor, Action: e.Action, AccountID: e.AccountID,
			Target: e.Target, IP: e.IP, UserAgent: e.UserAgent, Detail: e.Detail}
	}
	return out
}

// createdClientJSON is the answer to POST /clients.
type createdClientJSON struct {
	Client       clientJSON `json:"client"`
	ClientSecret string     `json:"client_secret,omitempty"`
}

// errorJSON is an admin API error; it carries an *iam.Error across the
// socket.
type errorJSON struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Message string `json:"message"`
}

// adminHandler returns the admin API served on the unix socket. Only the
// owner of the data directory can reach it (socket mode 0600 in a 0700
// directory), so it has no other authentication. dev is the server's
// server.dev setting; it applies to every client created.
func adminHandler(svc *iam.Service, dev bool, logger *slog.Logger, notifier *opNotifier) http.Handler {
	r := mux.NewRouter()
	r.Handle("/users", handleCreateUser(svc, logger)).Methods(http.MethodPost)
	r.Handle("/users", handleListUsers(svc, logger)).Methods(http.MethodGet)
	r.Handle("/users/mfa/reset", handleResetMFA(svc, logger)).Methods(http.MethodPost)
	r.Handle("/users/mfa/unlock", handleUnlockMFA(svc, logger)).Methods(http.MethodPost)
	r.Handle("/users/mfa/method", handleSetMFA(svc, logger)).Methods(http.MethodPost)
	r.Handle("/audit", handleListAudit(svc, logger)).Methods(http.MethodGet)
	r.Handle("/clients", handleCreateClient(svc, dev, logger)).Methods(http.MethodPost)
	r.Handle("/clients", handleListClients(svc, logger)).Methods(http.MethodGet)
	r.Handle("/ops/{name}", handleAccountOp(svc, notifier, logger)).Methods(http.MethodPost)
	return r
}

// handleCreateUser serves POST /users.
func handleCreateUser(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in newUserJSON
		if !decodeAdmin(w, r, &in) {
			return
		}
		u, err := svc.CreateUser(r.Context(), iam.NewUser{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName, Password: in.Password})
		if err != nil {
			writeAdminError(w, logger, "create user", err)
			return
		}
		logger.Info("operator created a user", "via", "admin socket", "user_id", u.ID)
		writeAdminJSON(w, http.StatusCreated, toUserJSON(u))
	})
}

// handleListUsers serves GET /users.
func handleListUsers(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		users, err := svc.ListUsers(r.Context())
		if err != nil {
			writeAdminError(w, logger, "list users", err)
			return
		}
		out := make([]userJSON, len(users))
		for i, u := range users {
			out[i] = toUserJSON(u)
		}
		writeAdminJSON(w, http.StatusOK, out)
	})
}

// handleResetMFA serves POST /users/mfa/reset.
func handleResetMFA(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in resetMFAJSON
		if !decodeAdmin(w, r, &in) {
			return
		}
		u, err := svc.ResetMFA(r.Context(), in.Email, in.Reason)
		if err != nil {
			writeAdminError(w, logger, "reset mfa", err)
			return
		}
		logger.Info("operator reset a user's second factor", "via", "admin socket", "user_id", u.ID)
		writeAdminJSON(w, http.StatusOK, toUserJSON(u))
	})
}

// handleUnlockMFA serves POST /users/mfa/unlock; its body is a
// resetMFAJSON (e-mail and reason).
func handleUnlockMFA(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in resetMFAJSON
		if !decodeAdmin(w, r, &in) {
			return
		}
		u, wasLocked, err := svc.UnlockMFA(r.Context(), in.Email, in.Reason)
		if err != nil {
			writeAdminError(w, logger, "unlock mfa", err)
			return
		}
		logger.Info("operator unlocked a user's second factor", "via", "admin socket", "user_id", u.ID, "was_locked", wasLocked)
		writeAdminJSON(w, http.StatusOK, unlockedJSON{User: toUserJSON(u), WasLocked: wasLocked})
	})
}

// handleSetMFA serves POST /users/mfa/method.
func handleSetMFA(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in setMFAJSON
		if !decodeAdmin(w, r, &in) {
			return
		}
		u, err := svc.SetMFAMethod(r.Context(), in.Email, in.Method, in.Phone)
		if err != nil {
			writeAdminError(w, logger, "set mfa method", err)
			return
		}
		logger.Info("operator set a user's second factor", "via", "admin socket", "user_id", u.ID, "method", in.Method)
		writeAdminJSON(w, http.StatusOK, toUserJSON(u))
	})
}

// handleListAudit serves GET /audit?target=&actor=&action=&limit=.
func handleListAudit(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := storage.AuditFilter{Target: q.Get("target"), Actor: q.Get("actor"), Action: q.Get("action")}
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil {
				writeAdminJSON(w, http.StatusBadRequest, errorJSON{Code: iam.CodeInvalid, Field: "limit", Message: "The limit must be a whole number."})
				return
			}
			f.Limit = n
		}
		events, err := svc.ListAudit(r.Context(), f)
		if err != nil {
			writeAdminError(w, logger, "list audit", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, toAuditJSON(events))
	})
}

// handleCreateClient serves POST /clients.
func handleCreateClient(svc *iam.Service, dev bool, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in newClientJSON
		if !decodeAdmin(w, r, &in) {
			return
		}
		c, sec, err := svc.CreateClient(r.Context(), iam.NewClient{
			Name: in.Name, RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, Public: in.Public,
			LogoURI: in.LogoURI, ClientURI: in.ClientURI, GrantTypes: in.GrantTypes, IDTokenAlg: in.IDTokenAlg, RequirePKCE: in.RequirePKCE, Dev: dev,
		})
		if err != nil {
			writeAdminError(w, logger, "create client", err)
			return
		}
		logger.Info("operator created a client", "via", "admin socket", "client_id", c.ID)
		writeAdminJSON(w, http.StatusCreated, createdClientJSON{Client: toClientJSON(c), ClientSecret: sec})
	})
}

// handleListClients serves GET /clients.
func handleListClients(svc *iam.Service, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clients, err := svc.ListClients(r.Context())
		if err != nil {
			writeAdminError(w, logger, "list clients", err)
			return
		}
		out := make([]clientJSON, len(clients))
		for i, c := range clients {
			out[i] = toClientJSON(c)
		}
		writeAdminJSON(w, http.StatusOK, out)
	})
}

// handleAccountOp serves POST /ops/{name}: one of accountOps.
func handleAccountOp(svc *iam.Service, notifier *opNotifier, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := mux.Vars(r)["name"]
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
		if err != nil {
			writeAdminJSON(w, http.StatusBadRequest, errorJSON{Code: iam.CodeInvalid, Message: "The request body could not be read: " + err.Error()})
			return
		}
		res, err := runAccountOp(r.Context(), svc, notifier, name, body)
		if err != nil {
			writeAdminError(w, logger, name, err)
			return
		}
		logger.Info("operator action", "via", "admin socket", "action", name)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(res)
	})
}

// decodeAdmin decodes a JSON body into v, refusing unknown fields. It
// answers 400 and returns false when the body is bad.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeAdminJSON(w, http.StatusBadRequest, errorJSON{Code: iam.CodeInvalid, Message: "The request body is not valid JSON: " + err.Error()})
		return false
	}
	return true
}

// writeAdminError answers an error: an *iam.Error as is, anything else as
// an internal error whose detail is logged, not sent.
func writeAdminError(w http.ResponseWriter, logger *slog.Logger, action string, err error) {
	var ie *iam.Error
	if !errors.As(err, &ie) {
		logger.Error("admin request failed", "action", action, "err", err)
		writeAdminJSON(w, http.StatusInternalServerError, errorJSON{Code: iam.CodeInternal, Message: "Internal error; see the server log."})
		return
	}
	status := http.StatusBadRequest
	switch ie.Code {
	case iam.CodeConflict:
		status = http.StatusConflict
	case iam.CodeNotFound:
		status = http.StatusNotFound
	case iam.CodeForbidden:
		status = http.StatusForbidden
	}
	writeAdminJSON(w, status, errorJSON{Code: ie.Code, Field: ie.Field, Rule: ie.Rule, Message: ie.Message})
}

// writeAdminJSON writes v as JSON with the status.
func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // the client sees a truncated body if this fails
}

// listenAdmin listens on <dataDir>/admin.sock with mode 0600. The caller
// must hold the database lock, so that no other server can be using the
// socket; a socket file left by a killed server is removed.
func listenAdmin(dataDir string) (net.Listener, error) {
	path := filepath.Join(dataDir, adminSocketName)
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("admin socket: the path %s is %d bytes long, but unix sockets allow at most %d; use a shorter storage.data_dir",
			path, len(path), maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("admin socket: %s exists and is not a socket; remove it", path)
		}
		if c, err := net.DialTimeout("unix", path, adminDialTimeout); err == nil {
			c.Close()
			return nil, fmt.Errorf("admin socket: another process answers on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("admin socket: remove stale %s: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: chmod %s: %w", path, err)
	}
	return ln, nil
}

// openOperator returns an operator for the data directory of the
// configuration at configPath: the admin socket of a running server when
// one answers, else the database file opened directly. A server that holds
// the file but does not answer gives a clear error within about a second.
func openOperator(ctx context.Context, e env, configPath string) (operator, error) {
	cfg, err := loadConfig(configPath, e.getenv)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(cfg.Storage.DataDir)
	if err != nil {
		return nil, fmt.Errorf("storage.data_dir: %w", err)
	}
	sock := filepath.Join(dataDir, adminSocketName)
	if c, err := net.DialTimeout("unix", sock, adminDialTimeout); err == nil {
		c.Close()
		return newSocketOperator(sock), nil
	}
	if err := ensureDataDir(dataDir); err != nil {
		return nil, err
	}
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, boltdb.ErrInUse) {
			return nil, fmt.Errorf("the data directory %s is in use by another process that does not answer on %s; "+
				"if a gatehouse server is starting, try again; otherwise stop that process: %w", dataDir, sock, err)
		}
		return nil, err
	}
	hasher := password.NewHasher(cfg.PasswordParams(), cfg.Password.MaxConcurrentHashes)
	return &directOperator{svc: iam.New(db, hasher, e.hooks.now, iam.WithAccounts(cfg.Accounts.iamConfig()), iam.WithDevURIs(cfg.Server.Dev)), db: db, dev: cfg.Server.Dev,
		notifier: cliNotifier(ctx, e, cfg, dataDir, db)}, nil
}

// cliNotifier returns the e-mail notifier of the CLI working without a
// server, on the configured mail transport. When the transport cannot be
// set up, the commands still run: a warning says that no e-mail goes out.
func cliNotifier(ctx context.Context, e env, cfg Config, dataDir string, db *boltdb.DB) *opNotifier {
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mailer, _, err := newDelivery(ctx, cfg, dataDir, e.hooks.now, logger)
	var composer *notify.Composer
	if err == nil {
		composer, err = newComposer(cfg)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: account changes will not be e-mailed: %v\n", err)
		return nil
	}
	return &opNotifier{mailer: mailer, composer: composer, store: db, now: nowOr(e.hooks.now), logger: logger}
}

// nowOr returns now, or time.Now when nil.
func nowOr(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// directOperator works on the database file while no server runs.
type directOperator struct {
	svc      *iam.Service
	db       *boltdb.DB
	dev      bool
	notifier *opNotifier
}

// CreateUser creates a user.
func (o *directOperator) CreateUser(ctx context.Context, nu iam.NewUser) (userJSON, error) {
	u, err := o.svc.CreateUser(ctx, nu)
	return toUserJSON(u), err
}

// ListUsers lists users.
func (o *directOperator) ListUsers(ctx context.Context) ([]userJSON, error) {
	users, err := o.svc.ListUsers(ctx)
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = toUserJSON(u)
	}
	return out, err
}

// CreateClient creates a client; server.dev of the CLI's configuration
// applies.
func (o *directOperator) CreateClient(ctx context.Context, nc iam.NewClient) (clientJSON, string, error) {
	nc.Dev = o.dev
	c, sec, err := o.svc.CreateClient(ctx, nc)
	return toClientJSON(c), sec, err
}

// ResetMFA resets a user's second factor to e-mail codes.
func (o *directOperator) ResetMFA(ctx context.Context, email, reason string) (userJSON, error) {
	u, err := o.svc.ResetMFA(ctx, email, reason)
	return toUserJSON(u), err
}

// UnlockMFA lifts a user's second-factor lock.
func (o *directOperator) UnlockMFA(ctx context.Context, email, reason string) (unlockedJSON, error) {
	u, wasLocked, err := o.svc.UnlockMFA(ctx, email, reason)
	return unlockedJSON{User: toUserJSON(u), WasLocked: wasLocked}, err
}

// SetMFAMethod sets a user's second factor.
func (o *directOperator) SetMFAMethod(ctx context.Context, email, method, phone string) (userJSON, error) {
	u, err := o.svc.SetMFAMethod(ctx, email, method, phone)
	return toUserJSON(u), err
}

// ListAudit lists audit events.
func (o *directOperator) ListAudit(ctx context.Context, f storage.AuditFilter) ([]auditJSON, error) {
	events, err := o.svc.ListAudit(ctx, f)
	return toAuditJSON(events), err
}

// ListClients lists clients.
func (o *directOperator) ListClients(ctx context.Context) ([]clientJSON, error) {
	clients, err := o.svc.ListClients(ctx)
	out := make([]clientJSON, len(clients))
	for i, c := range clients {
		out[i] = toClientJSON(c)
	}
	return out, err
}

// Call runs an account operation in-process, through the same JSON as the
// admin socket, so that both paths behave alike.
func (o *directOperator) Call(ctx context.Context, name string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode input: %w", name, err)
	}
	res, err := runAccountOp(ctx, o.svc, o.notifier, name, b)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: decode result: %w", name, err)
	}
	return nil
}

// Close closes the database.
func (o *directOperator) Close() error { return o.db.Close() }

// socketOperator talks to a running server over its admin socket.
type socketOperator struct {
	client *http.Client
}

// newSocketOperator returns an operator speaking to the socket at path.
func newSocketOperator(path string) *socketOperator {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: adminDialTimeout}
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}
	return &socketOperator{client: &http.Client{Transport: tr, Timeout: adminRequestTimeout}}
}

// CreateUser creates a user.
func (o *socketOperator) CreateUser(ctx context.Context, nu iam.NewUser) (userJSON, error) {
	var u userJSON
	err := o.do(ctx, http.MethodPost, "/users", newUserJSON{Email: nu.Email, GivenName: nu.GivenName, FamilyName: nu.FamilyName, Password: nu.Password}, &u)
	return u, err
}

// ListUsers lists users.
func (o *socketOperator) ListUsers(ctx context.Context) ([]userJSON, error) {
	var users []userJSON
	err := o.do(ctx, http.MethodGet, "/users", nil, &users)
	return users, err
}

// CreateClient creates a client; server.dev of the server's configuration
// applies.
func (o *socketOperator) CreateClient(ctx context.Context, nc iam.NewClient) (clientJSON, string, error) {
	var out createdClientJSON
	err := o.do(ctx, http.MethodPost, "/clients", newClientJSON{
		Name: nc.Name, RedirectURIs: nc.RedirectURIs, PostLogoutRedirectURIs: nc.PostLogoutRedirectURIs, Public: nc.Public,
		LogoURI: nc.LogoURI, ClientURI: nc.ClientURI, GrantTypes: nc.GrantTypes, IDTokenAlg: nc.IDTokenAlg, RequirePKCE: nc.RequirePKCE,
	}, &out)
	return out.Client, out.ClientSecret, err
}

// ResetMFA resets a user's second factor to e-mail codes.
func (o *socketOperator) ResetMFA(ctx context.Context, email, reason string) (userJSON, error) {
	var u userJSON
	err := o.do(ctx, http.MethodPost, "/users/mfa/reset", resetMFAJSON{Email: email, Reason: reason}, &u)
	return u, err
}

// UnlockMFA lifts a user's second-factor lock.
func (o *socketOperator) UnlockMFA(ctx context.Context, email, reason string) (unlockedJSON, error) {
	var out unlockedJSON
	err := o.do(ctx, http.MethodPost, "/users/mfa/unlock", resetMFAJSON{Email: email, Reason: reason}, &out)
	return out, err
}

// SetMFAMethod sets a user's second factor.
func (o *socketOperator) SetMFAMethod(ctx context.Context, email, method, phone string) (userJSON, error) {
	var u userJSON
	err := o.do(ctx, http.MethodPost, "/users/mfa/method", setMFAJSON{Email: email, Method: method, Phone: phone}, &u)
	return u, err
}

// ListAudit lists audit events.
func (o *socketOperator) ListAudit(ctx context.Context, f storage.AuditFilter) ([]auditJSON, error) {
	q := url.Values{}
	for k, v := range map[string]string{"target": f.Target, "actor": f.Actor, "action": f.Action} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var events []auditJSON
	err := o.do(ctx, http.MethodGet, "/audit?"+q.Encode(), nil, &events)
	return events, err
}

// ListClients lists clients.
func (o *socketOperator) ListClients(ctx context.Context) ([]clientJSON, error) {
	var clients []clientJSON
	err := o.do(ctx, http.MethodGet, "/clients", nil, &clients)
	return clients, err
}

// Call sends an account operation to the server.
func (o *socketOperator) Call(ctx context.Context, name string, in, out any) error {
	return o.do(ctx, http.MethodPost, "/ops/"+url.PathEscape(name), in, out)
}

// Close releases idle connections.
func (o *socketOperator) Close() error {
	o.client.CloseIdleConnections()
	return nil
}

// do sends one admin request and decodes the answer into out, or returns
// the *iam.Error the server reported.
func (o *socketOperator) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("admin socket: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://gatehouse-admin"+path, body)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := o.client.Do(req)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode >= 300 {
		var ej errorJSON
		if err := dec.Decode(&ej); err != nil || ej.Message == "" {
			return fmt.Errorf("admin socket: server answered %s", resp.Status)
		}
		if ej.Code == iam.CodeInternal {
			return fmt.Errorf("admin socket: the server failed (%s): %s", resp.Status, ej.Message)
		}
		return &iam.Error{Code: ej.Code, Field: ej.Field, Rule: ej.Rule, Message: ej.Message}
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("admin socket: decode answer: %w", err)
	}
	return nil
}

// ensureDataDir creates dir with mode 0700 if needed. An empty directory
// that other users can read or enter (such as a fresh temporary directory)
// is restricted to 0700; a non-empty one is refused, because what it holds
// may already have been exposed and the operator should look.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("storage.data_dir: create %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("storage.data_dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("storage.data_dir: %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) == 0 {
			if err := os.Chmod(dir, 0o700); err != nil {
				return fmt.Errorf("storage.data_dir: restrict %s to mode 0700: %w", dir, err)
			}
			return nil
		}
		return fmt.Errorf("storage.data_dir: %s is accessible by other users (mode %04o); it holds keys and password hashes, so restrict it with: chmod 700 %s", dir, perm, dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("storage.data_dir: %s belongs to user %d, not to the user running gatehouse (%d)", dir, st.Uid, os.Geteuid())
	}
	return nil
}
