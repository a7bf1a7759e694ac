package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-id/gatehouse/provider"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Signing-key rotation from the command line (issue 14): "gatehouse keys
// list" and "gatehouse keys rotate" go to the running server's admin
// socket, so that its keys change at once, or work on the stopped data
// directory.
const (
	keysListPath   = "/keys"
	keysRotatePath = "/keys/rotate"
	// sealingKeyIDName is the stored fingerprint of the sealing key the
	// data directory was sealed with.
	sealingKeyIDName = "sealing_key_id"
)

// withKeys serves GET /keys and POST /keys/rotate?alg=A[&now=1] on the
// admin socket with the server's keys. Other requests go to next.
func withKeys(next http.Handler, keys *provider.Keys, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		var err error
		switch {
		case r.URL.Path == keysListPath && r.Method == http.MethodGet:
			v, err = keys.List(r.Context())
		case r.URL.Path == keysRotatePath && r.Method == http.MethodPost:
			alg, now := r.URL.Query().Get("alg"), r.URL.Query().Get("now") == "1"
			v, err = keys.Rotate(r.Context(), alg, now)
			if err == nil {
				logger.Info("signing key rotated by the operator", "alg", alg, "at_once", now)
			}
		case r.URL.Path == keysListPath || r.URL.Path == keysRotatePath:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		default:
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(v)
	})
}

// runKeyRotation runs the key schedule (provider.Keys.Maintain) now and
// then every interval until ctx ends.
func runKeyRotation(ctx context.Context, keys *provider.Keys, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ch, err := keys.Maintain(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("signing-key rotation", "err", err)
		case err == nil:
			for _, k := range ch.Added {
				logger.Info("signing key published", "kid", k.ID, "alg", k.Algorithm, "signs_from", k.ActiveAt)
			}
			if len(ch.Removed) > 0 {
				logger.Info("retired signing keys removed", "kids", ch.Removed)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sealingKeyID is a fingerprint of the sealing key that names it without
// revealing it.
func sealingKeyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gatehouse sealing key id v1"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// checkSealingKey refuses a sealing key other than the one the data
// directory was sealed with, naming both by fingerprint; a data directory
// without a recorded fingerprint gets this key's.
func checkSealingKey(ctx context.Context, s storage.Secrets, key []byte, place string) error {
	id := sealingKeyID(key)
	stored, err := s.GetSecret(ctx, sealingKeyIDName)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil // recorded once the provider has opened the keys (recordSealingKey)
	case err != nil:
		return fmt.Errorf("read the sealing key's fingerprint: %w", err)
	case !hmac.Equal(stored, []byte(id)):
		return fmt.Errorf("the sealing key from %s (fingerprint %s) is not the one this database was sealed with (fingerprint %s): "+
			"put back the sealing key kept with this database or its backup (README, Backups and restore); gatehouse will not start with another", place, id, stored)
	}
	return nil
}

// recordSealingKey stores the sealing key's fingerprint if none is.
func recordSealingKey(ctx context.Context, s storage.Secrets, key []byte) error {
	if _, err := s.PutSecretIfAbsent(ctx, sealingKeyIDName, []byte(sealingKeyID(key))); err != nil {
		return fmt.Errorf("record the sealing key's fingerprint: %w", err)
	}
	return nil
}

// sealingKeyFailure explains a start that failed because the sealing key
// does not open the stored keys.
func sealingKeyFailure(err error, cfg Config, dataDir string) error {
	if errors.Is(err, provider.ErrSealingKey) {
		return fmt.Errorf("the sealing key from %s does not open this database's signing keys: they were sealed with another key; "+
			"put back the sealing key kept with this database or its backup (README, Backups and restore): %w", sealingKeyPlace(cfg, dataDir), err)
	}
	return err
}

// cmdKeys runs "gatehouse keys list|rotate".
func cmdKeys(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("keys: missing subcommand: list or rotate")
	}
	fs, config := newFlagSet(e, "keys "+args[0], "keys list [--json] | keys rotate [--alg ES256|RS256|EdDSA] [--now]")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	alg := fs.String("alg", provider.DefaultAccessTokenAlg, "the `algorithm` of the new key (rotate): ES256, RS256 or EdDSA")
	now := fs.Bool("now", false, "the new key signs at once instead of after keys.publish_ahead (rotate)")
	switch args[0] {
	case "list", "ls", "rotate":
	default:
		return usagef("keys: unknown subcommand %q: use list or rotate", args[0])
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return helpOK(err)
	}
	if args[0] == "rotate" && !provider.SupportedAlg(*alg) {
		return usagef("keys rotate: --alg %q is not one of RS256, ES256, EdDSA", *alg)
	}
	cfg, dataDir, err := configAndDataDir(e, *config)
	if err != nil {
		return err
	}
	body, err := keysCall(ctx, e, cfg, dataDir, args[0], *alg, *now)
	if err != nil {
		return err
	}
	if args[0] == "rotate" {
		var k provider.KeyInfo
		if err := json.Unmarshal(body, &k); err != nil {
			return fmt.Errorf("keys rotate: %w", err)
		}
		fmt.Fprintf(e.stdout, "%s key %s published; it signs from %s\n", k.Algorithm, k.ID, k.ActiveAt.Format(time.RFC3339))
		return nil
	}
	if *asJSON {
		_, err := e.stdout.Write(body)
		return err
	}
	var infos []provider.KeyInfo
	if err := json.Unmarshal(body, &infos); err != nil {
		return fmt.Errorf("keys list: %w", err)
	}
	printKeys(e.stdout, infos)
	return nil
}

// printKeys writes the keys as a table.
func printKeys(w io.Writer, infos []provider.KeyInfo) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tSIGNS FROM\tUNTIL\tIN JWKS UNTIL")
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, k := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.State, day(k.ActiveAt), day(k.RetireAt), day(k.RemoveAfter))
	}
	tw.Flush()
}

// keysCall runs the subcommand on the running server's admin socket, or
// on the stopped data directory, and returns the JSON answer.
func keysCall(ctx context.Context, e env, cfg Config, dataDir, sub, alg string, now bool) ([]byte, error) {
	sock := filepath.Join(dataDir, adminSocketName)
	if c, err := net.DialTimeout("unix", sock, adminDialTimeout); err == nil {
		c.Close()
		return keysOverSocket(ctx, sock, sub, alg, now)
	}
	if err := ensureDataDir(dataDir); err != nil {
		return nil, err
	}
	db, err := openBackend(ctx, cfg, dataDir, nil)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer db.Close()
	key, err := sealingKey(cfg.Secrets, dataDir)
	if err != nil {
		return nil, err
	}
	if err := checkSealingKey(ctx, db, key, sealingKeyPlace(cfg, dataDir)); err != nil {
		return nil, err
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("secrets.key: %w", err)
	}
	keys, err := provider.OpenKeys(ctx, db, sealer, e.hooks.now, cfg.keyPolicy())
	if err != nil {
		return nil, sealingKeyFailure(err, cfg, dataDir)
	}
	var v any
	if sub == "rotate" {
		v, err = keys.Rotate(ctx, alg, now)
	} else {
		v, err = keys.List(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w", sub, err)
	}
	return json.Marshal(v)
}

// keysOverSocket calls the admin socket's keys routes.
func keysOverSocket(ctx context.Context, sock, sub, alg string, now bool) ([]byte, error) {
	hc := socketClient(sock)
	method, path := http.MethodGet, keysListPath
	if sub == "rotate" {
		method, path = http.MethodPost, keysRotatePath+"?alg="+alg
		if now {
			path += "&now=1"
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, adminOrigin+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("keys %s: the server's admin socket: %w", sub, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminAnswer))
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w", sub, err)
	}
	if resp.StatusCode != http.StatusOK {
		var m struct{ Message string }
		json.Unmarshal(body, &m)
		return nil, fmt.Errorf("keys %s: %s", sub, strings.TrimSpace(m.Message))
	}
	return body, nil
}
