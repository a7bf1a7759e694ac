package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/api"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
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
	// maxSocketPath is the longest unix socket path Linux accepts
	// (sun_path is 108 bytes with the terminating NUL).
	maxSocketPath = 107
	// maxAdminAnswer bounds an answer the CLI reads.
	maxAdminAnswer = 16 << 20
)

// adminOrigin is the origin of the management API as the CLI calls it,
// on the admin socket or in-process; the page links of its lists start
// with it.
const adminOrigin = "http://gatehouse-admin"

// adminHandler returns the management API (package api) as the admin
// socket serves it: every request is the operator's (api.Operator). Only
// the owner of the data directory can reach the socket (mode 0600 in a
// 0700 directory), so it has no other authentication. The CLI without a
// server calls the very same handler in-process (openOperator). dev is
// server.dev; it applies to every application created.
func adminHandler(svc *iam.Service, users storage.Users, notifier api.Notifier, dev bool, logger *slog.Logger) (http.Handler, error) {
	h, err := api.New(api.Deps{IAM: svc, Users: users, Auth: api.Operator{}, Notifier: notifier, BaseURL: adminOrigin,
		Logger: logger, Dev: dev})
	if err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	r := mux.NewRouter()
	h.Mount(r)
	return r, nil
}

// logChanges logs the operator's changes (every method but GET) through
// next, with the answer's status.
func logChanges(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		logger.Info("operator action", "via", "admin socket", "method", r.Method, "path", r.URL.Path, "status", sw.status)
	})
}

// statusWriter remembers the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status.
func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
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

// openOperator returns the operator for the data directory of the
// configuration at configPath: a client of the management API, over the
// admin socket of a running server when one answers, else in-process on
// the database file opened directly. Both run the same handlers. A server
// that holds the file but does not answer gives a clear error within
// about a second.
func openOperator(ctx context.Context, e env, configPath string) (*operator, error) {
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
		return socketOperator(sock), nil
	}
	if err := ensureDataDir(dataDir); err != nil {
		return nil, err
	}
	db, err := openBackend(ctx, cfg, dataDir, func(err error) error {
		return fmt.Errorf("the data directory %s is in use by another process that does not answer on %s; "+
			"if a gatehouse server is starting, try again; otherwise stop that process: %w", dataDir, sock, err)
	})
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mailer, composer := cliMail(ctx, e, cfg, dataDir, logger)
	svc := newAccountsService(cfg, db, password.NewHasher(cfg.PasswordParams(), cfg.maxHashes()), e.hooks.now,
		mailer, composer, logger)
	h, err := adminHandler(svc, db, newOpMail(mailer, composer, db, cfg.Server.Issuer, logger), cfg.Server.Dev, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &operator{client: &http.Client{Transport: handlerTransport{h: h}}, close: db.Close}, nil
}

// cliMail returns the e-mail transport of the CLI working without a
// server, as configured. When it cannot be set up, the commands still
// run: a warning says that no e-mail goes out, and both are nil.
func cliMail(ctx context.Context, e env, cfg Config, dataDir string, logger *slog.Logger) (notify.Mailer, *notify.Composer) {
	mailer, _, err := newDelivery(ctx, cfg, dataDir, e.hooks.now, logger)
	var composer *notify.Composer
	if err == nil {
		composer, err = newComposer(cfg)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: account changes will not be e-mailed: %v\n", err)
		return nil, nil
	}
	return mailer, composer
}

// newOpMail returns the notifier of the operator's changes: the e-mails
// the console sends for the same changes (apiMail), or none without a
// mailer.
func newOpMail(mailer notify.Mailer, composer *notify.Composer, users storage.Users, issuer string, logger *slog.Logger) api.Notifier {
	if mailer == nil || composer == nil {
		return noMail{}
	}
	return &apiMail{mailer: mailer, messages: composer, users: users, inviteBase: strings.TrimRight(issuer, "/") + "/invite/", logger: logger}
}

// noMail is the notifier of a CLI that cannot send e-mail.
type noMail struct{}

func (noMail) Invited(context.Context, iam.IssuedInvitation, string)        {}
func (noMail) RoleChanged(context.Context, iam.RoleChange)                  {}
func (noMail) Removed(context.Context, storage.Membership, storage.Account) {}
func (noMail) Transferred(context.Context, iam.Transfer)                    {}

// socketOperator returns an operator speaking to the socket at path.
func socketOperator(path string) *operator {
	c := socketClient(path)
	return &operator{client: c, close: func() error { c.CloseIdleConnections(); return nil }}
}

// socketClient returns an HTTP client whose every request goes to the
// admin socket at sock, whatever the URL's host (use adminOrigin). Each
// dial gives up after adminDialTimeout and each request after
// adminRequestTimeout; a caller that streams a long answer sets Timeout
// to zero and bounds the request with its context. Connections are not
// kept alive, so the client holds no socket between commands.
func socketClient(sock string) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: adminDialTimeout}
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: true,
	}
	return &http.Client{Transport: tr, Timeout: adminRequestTimeout}
}

// handlerTransport is an http.RoundTripper that serves each request with
// a handler in-process, so that the CLI without a server runs the
// management API's own handlers.
type handlerTransport struct {
	h http.Handler
}

// RoundTrip implements http.RoundTripper.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil {
		req.Body = http.NoBody
	}
	w := &bufferWriter{header: http.Header{}}
	t.h.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{Status: fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: w.header, ContentLength: int64(w.body.Len()),
		Body: io.NopCloser(bytes.NewReader(w.body.Bytes())), Request: req}, nil
}

// bufferWriter is the http.ResponseWriter of handlerTransport: it keeps
// the answer in memory.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header implements http.ResponseWriter.
func (w *bufferWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter; the first status counts.
func (w *bufferWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write implements http.ResponseWriter.
func (w *bufferWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
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
