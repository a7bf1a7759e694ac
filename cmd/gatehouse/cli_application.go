package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The operator's relying applications of an account ("gatehouse client
// create --account ID" and "gatehouse client list --account ID"). Like
// the account commands they run through accountOps, in-process on the
// data files or on a running server's admin socket, and leave every rule
// to iam (CreateApplication, ListApplications). Without --account the
// client commands keep registering and listing the server's clients of
// no account.

// applicationJSON is a relying application of an account as the CLI and
// the admin socket show it. It never holds the secret or its digest.
type applicationJSON struct {
	ClientID               string    `json:"client_id"`
	AccountID              string    `json:"account_id"`
	Name                   string    `json:"name"`
	Public                 bool      `json:"public"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	LogoURI                string    `json:"logo_uri,omitempty"`
	ClientURI              string    `json:"client_uri,omitempty"`
	GrantTypes             []string  `json:"grant_types"`
	RequirePKCE            bool      `json:"require_pkce"`
	IDTokenAlg             string    `json:"id_token_alg"`
	CreatedAt              time.Time `json:"created_at"`
}

// applicationSecretJSON is a new application with its secret, shown once;
// empty for a public application.
type applicationSecretJSON struct {
	applicationJSON
	ClientSecret string `json:"client_secret,omitempty"`
}

// toApplicationJSON converts a stored application.
func toApplicationJSON(c storage.Client) applicationJSON {
	return applicationJSON{
		ClientID: c.ID, AccountID: c.AccountID, Name: c.Name, Public: c.Public, RedirectURIs: nonNil(c.RedirectURIs),
		PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs), LogoURI: c.LogoURI, ClientURI: c.ClientURI,
		GrantTypes: nonNil(c.GrantTypes), RequirePKCE: c.RequirePKCE, IDTokenAlg: c.IDTokenAlg, CreatedAt: c.CreatedAt.UTC(),
	}
}

// applicationCreateIn is the input of application.create.
type applicationCreateIn struct {
	AccountID              string   `json:"account_id"`
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

// opApplicationCreate registers a relying application restricted to an
// account and returns it with its secret. http URIs on any host follow
// the server's server.dev (iam.WithDevURIs).
func opApplicationCreate(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in applicationCreateIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	nc := iam.NewClient{
		Name: in.Name, RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, LogoURI: in.LogoURI,
		ClientURI: in.ClientURI, Public: in.Public, GrantTypes: in.GrantTypes, IDTokenAlg: in.IDTokenAlg, RequirePKCE: in.RequirePKCE,
	}
	c, sec, err := svc.CreateApplication(ctx, iam.OperatorActor(), in.AccountID, nc)
	if err != nil {
		return nil, renameField(err, "account_id", "account")
	}
	return applicationSecretJSON{applicationJSON: toApplicationJSON(c), ClientSecret: sec}, nil
}

// opApplicationList lists one page of an account's relying applications.
func opApplicationList(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in listIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	page, next, err := svc.ListApplications(ctx, iam.OperatorActor(), in.ID, storage.PageRequest{After: in.After, Limit: in.Limit})
	if err != nil {
		return nil, renameField(err, "account_id", "account")
	}
	out := pageJSON[applicationJSON]{Items: make([]applicationJSON, len(page)), Next: next}
	for i, c := range page {
		out.Items[i] = toApplicationJSON(c)
	}
	return out, nil
}

// cmdApplicationCreate runs "gatehouse client create --account ID".
func cmdApplicationCreate(ctx context.Context, e env, configPath, accountID string, nc iam.NewClient, asJSON bool) error {
	in := applicationCreateIn{
		AccountID: accountID, Name: nc.Name, RedirectURIs: nc.RedirectURIs, PostLogoutRedirectURIs: nc.PostLogoutRedirectURIs,
		LogoURI: nc.LogoURI, ClientURI: nc.ClientURI, Public: nc.Public, GrantTypes: nc.GrantTypes, IDTokenAlg: nc.IDTokenAlg,
		RequirePKCE: nc.RequirePKCE,
	}
	var c applicationSecretJSON
	if err := callOp(ctx, e, configPath, "application.create", in, &c); err != nil {
		return describe("client create", err)
	}
	return printNewClient(e.stdout, c.Name, c.ClientID, c.ClientSecret, c.AccountID, asJSON)
}

// printNewClient prints a new client with its secret (not shown again):
// with asJSON only {"client_id":…,"client_secret":…} on one line, so that
// scripts can capture it as is. accountID is the account the client is
// restricted to, if any.
func printNewClient(w io.Writer, name, id, clientSecret, accountID string, asJSON bool) error {
	if asJSON {
		err := json.NewEncoder(w).Encode(struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret,omitempty"`
		}{id, clientSecret})
		if err != nil {
			return fmt.Errorf("client create: write json: %w", err)
		}
		return nil
	}
	fmt.Fprintf(w, "created client %q\n  client_id:     %s\n", name, id)
	if accountID != "" {
		fmt.Fprintf(w, "  account:       %s (only its members can sign in)\n", accountID)
	}
	if clientSecret != "" {
		fmt.Fprintf(w, "  client_secret: %s\n\nStore the secret now: it is not shown again (only its digest is kept).\n", clientSecret)
	} else {
		fmt.Fprintln(w, "  public client: no secret; it must use PKCE (S256)")
	}
	return nil
}

// cmdApplicationList runs "gatehouse client list --account ID".
func cmdApplicationList(ctx context.Context, e env, configPath, accountID string, asJSON bool) error {
	var all []applicationJSON
	err := eachPage(ctx, e, configPath, "application.list", accountID, func(p json.RawMessage) (string, error) {
		var page pageJSON[applicationJSON]
		err := json.Unmarshal(p, &page)
		all = append(all, page.Items...)
		return page.Next, err
	})
	if err != nil {
		return describe("client list", err)
	}
	if asJSON {
		return writeLine(e.stdout, nonNil(all))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tGRANTS\tREDIRECT URIS\tCREATED")
	for _, c := range all {
		typ := "confidential"
		if c.Public {
			typ = "public"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ClientID, c.Name, typ, strings.Join(c.GrantTypes, ","),
			strings.Join(c.RedirectURIs, " "), c.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// flagGiven reports whether the flag name was given on the command line,
// even with an empty value.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
