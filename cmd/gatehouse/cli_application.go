package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
)

// The operator's relying applications of an account ("gatehouse client
// create --account ID" and "gatehouse client list --account ID"). Like
// every command they call the management API, on a running server's
// admin socket or in-process on the data files, which leaves every rule to
// iam (CreateApplication, ListApplications). Without --account the
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

// cmdApplicationCreate runs "gatehouse client create --account ID"
// through the management API (POST /accounts/{id}/applications, which
// calls iam.CreateApplication).
func cmdApplicationCreate(ctx context.Context, e env, configPath, accountID string, nc iam.NewClient, asJSON bool) error {
	body := map[string]any{
		"name": nc.Name, "redirect_uris": nc.RedirectURIs, "post_logout_redirect_uris": nc.PostLogoutRedirectURIs,
		"logo_uri": nc.LogoURI, "client_uri": nc.ClientURI, "public": nc.Public, "grant_types": nc.GrantTypes,
		"id_token_alg": nc.IDTokenAlg, "require_pkce": nc.RequirePKCE,
	}
	c, err := withOperator(ctx, e, configPath, func(op *operator) (applicationSecretJSON, error) {
		var c applicationSecretJSON
		err := op.do(ctx, http.MethodPost, "/accounts/"+esc(accountID)+"/applications", body, &c)
		return c, renameField(err, "account_id", "account")
	})
	if err != nil {
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
	all, err := withOperator(ctx, e, configPath, func(op *operator) ([]applicationJSON, error) {
		all, err := list[applicationJSON](ctx, op, "/accounts/"+esc(accountID)+"/applications", nil, 0)
		return all, renameField(err, "account_id", "account")
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
