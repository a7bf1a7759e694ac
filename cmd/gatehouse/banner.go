package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// banner is what the start-up banner tells the operator: where the server
// listens, the first steps still to take, and, once a client exists, how
// to try a sign-in with it.
type banner struct {
	prog       string // how the operator runs the binary
	configPath string // --config as given, or ""
	listen     string // scheme://address of the listener
	issuer     string
	dataDir    string
	// codeLifetime is how long an authorization code stays valid.
	codeLifetime time.Duration
	// hasUsers is false until the first user exists.
	hasUsers bool
	// client is the first client a person can sign in to, or nil.
	client *storage.Client
}

// bannerStore is what the banner reads from the database.
type bannerStore interface {
	ListUsers(ctx context.Context, p storage.PageRequest) ([]storage.User, string, error)
	ListClients(ctx context.Context, p storage.PageRequest) ([]storage.Client, string, error)
}

// bannerClientPages bounds how many pages of clients the banner reads to
// find the first one people sign in to, so that start-up never walks a
// huge client list.
const bannerClientPages = 10

// printBanner tells the operator where the server listens and what to do
// next: create the first user and client while none exists, then sign in
// to the first client. A failed read only costs the banner its details. It
// reads one user and at most bannerClientPages pages of clients.
func printBanner(ctx context.Context, w io.Writer, store bannerStore, b banner, logger *slog.Logger) {
	b.hasUsers = true
	users, _, err := store.ListUsers(ctx, storage.PageRequest{Limit: 1})
	if err != nil {
		logger.Warn("banner: list users", "err", err)
	} else {
		b.hasUsers = len(users) > 0
	}
	var clients []storage.Client
	p := storage.PageRequest{Limit: storage.MaxPageSize}
	for range bannerClientPages {
		page, next, err := store.ListClients(ctx, p)
		if err != nil {
			logger.Warn("banner: list clients", "err", err)
			break
		}
		clients = append(clients, page...)
		if next == "" {
			break
		}
		p.After = next
	}
	b.client = firstSignInClient(clients)
	b.write(w, secret.Token(32))
}

// firstSignInClient returns the oldest client that people sign in to (the
// authorization_code grant and a redirect URI), or nil.
func firstSignInClient(clients []storage.Client) *storage.Client {
	var first *storage.Client
	for i, c := range clients {
		if !c.HasGrant(storage.GrantAuthorizationCode) || len(c.RedirectURIs) == 0 {
			continue
		}
		if first == nil || c.CreatedAt.Before(first.CreatedAt) {
			first = &clients[i]
		}
	}
	return first
}

// write writes the banner. verifier is the PKCE code verifier of the
// sign-in it suggests.
func (b banner) write(w io.Writer, verifier string) {
	fmt.Fprintf(w, "gatehouse %s\nlistening on %s\nissuer:         %s\ndata directory: %s\ndiscovery:      %s/.well-known/openid-configuration\n",
		version, b.listen, b.issuer, b.dataDir, b.issuer)
	var configFlag string
	if b.configPath != "" {
		configFlag = " --config " + shellQuote(b.configPath)
	}
	if !b.hasUsers || b.client == nil {
		fmt.Fprintf(w, "\nFirst steps (in another terminal, with the same configuration, while the server runs):\n")
		if !b.hasUsers {
			fmt.Fprintf(w, "  printf '%%s' 'correct horse battery staple' | %s user create%s --email alice@example.com --name \"Alice Example\" --password-stdin\n", b.prog, configFlag)
		}
		if b.client == nil {
			fmt.Fprintf(w, "  %s client create%s --name \"My app\" --redirect-uri http://localhost:9999/callback\n", b.prog, configFlag)
		}
	}
	if b.client != nil {
		b.writeSignIn(w, verifier)
	}
	fmt.Fprintf(w, "See README.md for the whole quick start.\n")
}

// writeSignIn writes a ready-to-open authorization URL for the first
// client and the token request that redeems its code. Only an http issuer
// (a development set-up: loopback, or server.dev) gets it, because the
// PKCE verifier printed with it should not end up in a production log.
func (b banner) writeSignIn(w io.Writer, verifier string) {
	c := b.client
	if !isHTTP(b.issuer) {
		fmt.Fprintf(w, "\nFirst client: %q (%s). README.md shows how to sign in to it.\n", c.Name, c.ID)
		return
	}
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ID},
		"redirect_uri":          {c.RedirectURIs[0]},
		"scope":                 {"openid profile email"},
		"state":                 {secret.Token(9)},
		"nonce":                 {secret.Token(9)},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	auth := "-u " + shellQuote(c.ID) + `:"$CLIENT_SECRET"`
	if c.Public {
		auth = "-d client_id=" + shellQuote(c.ID)
	}
	fmt.Fprintf(w, "\nTry a sign-in to %q: open this URL in a browser (made for this start of the server):\n  %s/authorize?%s\n", c.Name, b.issuer, q.Encode())
	fmt.Fprintf(w, "After the sign-in the browser goes to %s with a code in the address.\nWithin %s, set CODE to that code", c.RedirectURIs[0], plainDuration(b.codeLifetime))
	if !c.Public {
		fmt.Fprintf(w, " and CLIENT_SECRET to the client's secret")
	}
	fmt.Fprintf(w, ", and run:\n  curl -s %s -d grant_type=authorization_code -d code=\"$CODE\" -d redirect_uri=%s -d code_verifier=%s %s/oauth/token\n",
		auth, shellQuote(c.RedirectURIs[0]), verifier, b.issuer)
}

// plainDuration writes d as people say it: "60 seconds", "10 minutes".
func plainDuration(d time.Duration) string {
	switch {
	case d < 2*time.Minute || d%time.Minute != 0:
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second)/time.Second))
	default:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// characters.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)
	}
	if s != "" && !slices.ContainsFunc([]rune(s), func(r rune) bool { return !plain(r) }) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
