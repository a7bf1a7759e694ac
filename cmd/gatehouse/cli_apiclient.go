package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The operator's API client commands ("gatehouse apiclient ..."). Like the
// account commands they run through accountOps, in-process on the data
// files or on a running server's admin socket, and leave every rule to
// iam.

// apiClientJSON is an API client as the CLI and the admin socket show it.
// It never holds the secret or its digest.
type apiClientJSON struct {
	ClientID  string    `json:"client_id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Enabled   bool      `json:"enabled"`
	Locked    bool      `json:"locked"`
	Lifetime  string    `json:"lifetime"`
	Scopes    []string  `json:"scopes"`
	OwnerID   string    `json:"owner_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// apiClientSecretJSON is an API client with its secret, shown once: at
// creation and at rotation.
type apiClientSecretJSON struct {
	apiClientJSON
	ClientSecret string `json:"client_secret"`
}

// toAPIClientJSON converts a stored API client.
func toAPIClientJSON(c storage.Client) apiClientJSON {
	j := apiClientJSON{
		ClientID: c.ID, AccountID: c.AccountID, Name: c.Name, Lifetime: iam.LifetimeName(c.AccessTokenLifetime),
		Scopes: []string{}, CreatedAt: c.CreatedAt.UTC(),
	}
	if c.API != nil {
		j.Type, j.Enabled, j.Locked, j.OwnerID = string(c.API.Type), c.API.Enabled, c.API.Locked, c.API.OwnerID
		j.Scopes, j.UpdatedAt = nonNil(c.API.Scopes), c.API.UpdatedAt.UTC()
	}
	return j
}

// Inputs of the API client operations.
type (
	apiClientCreateIn struct {
		AccountID string   `json:"account_id"`
		Name      string   `json:"name"`
		Type      string   `json:"type"`
		Lifetime  string   `json:"lifetime"`
		Scopes    []string `json:"scopes"`
		Locked    bool     `json:"locked"`
	}
	apiClientIDIn struct {
		ID string `json:"id"`
	}
)

// opAPIClientCreate creates an API client with no owner and returns it
// with its secret.
func opAPIClientCreate(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in apiClientCreateIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	lifetime, err := iam.ParseLifetime(in.Lifetime)
	if err != nil {
		return nil, err
	}
	nc := iam.NewAPIClient{Name: in.Name, Type: storage.APIClientType(in.Type), Lifetime: lifetime, Scopes: in.Scopes, Locked: in.Locked}
	c, sec, err := svc.CreateAPIClient(ctx, iam.OperatorActor(), in.AccountID, nc)
	if err != nil {
		return nil, err
	}
	return apiClientSecretJSON{apiClientJSON: toAPIClientJSON(c), ClientSecret: sec}, nil
}

// opAPIClientList lists one page of an account's API clients.
func opAPIClientList(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in listIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	page, next, err := svc.ListAPIClients(ctx, iam.OperatorActor(), in.ID, storage.PageRequest{After: in.After, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := pageJSON[apiClientJSON]{Items: make([]apiClientJSON, len(page)), Next: next}
	for i, c := range page {
		out.Items[i] = toAPIClientJSON(c)
	}
	return out, nil
}

// opAPIClientRotate gives an API client a new secret and returns it.
func opAPIClientRotate(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in apiClientIDIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	c, sec, err := svc.RotateAPIClientSecret(ctx, iam.OperatorActor(), in.ID)
	if err != nil {
		return nil, err
	}
	return apiClientSecretJSON{apiClientJSON: toAPIClientJSON(c), ClientSecret: sec}, nil
}

// opAPIClientEnable enables an API client.
func opAPIClientEnable(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	return setAPIClientEnabled(ctx, svc, raw, true)
}

// opAPIClientDisable disables an API client.
func opAPIClientDisable(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	return setAPIClientEnabled(ctx, svc, raw, false)
}

func setAPIClientEnabled(ctx context.Context, svc *iam.Service, raw json.RawMessage, enabled bool) (any, error) {
	var in apiClientIDIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	c, err := svc.SetAPIClientEnabled(ctx, iam.OperatorActor(), in.ID, enabled)
	if err != nil {
		return nil, err
	}
	return toAPIClientJSON(c), nil
}

// opAPIClientDelete deletes an API client.
func opAPIClientDelete(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in apiClientIDIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	if err := svc.DeleteAPIClient(ctx, iam.OperatorActor(), in.ID); err != nil {
		return nil, err
	}
	return apiClientIDIn{ID: in.ID}, nil
}

// apiClientSubcommands names the subcommands in usage errors.
const apiClientSubcommands = "create, list, rotate, disable, enable or delete"

// cmdAPIClient runs "gatehouse apiclient ...".
func cmdAPIClient(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("apiclient: missing subcommand; use %s", apiClientSubcommands)
	}
	switch args[0] {
	case "create":
		return cmdAPIClientCreate(ctx, e, args[1:])
	case "list", "ls":
		return cmdAPIClientList(ctx, e, args[1:])
	case "rotate", "disable", "enable", "delete":
		return cmdAPIClientChange(ctx, e, args[0], args[1:])
	default:
		return usagef("apiclient: unknown subcommand %q; use %s", args[0], apiClientSubcommands)
	}
}

// cmdAPIClientCreate runs "gatehouse apiclient create".
func cmdAPIClientCreate(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "apiclient create",
		"apiclient create --account ID --name N --type admin|standard --lifetime 1h|24h|30d|24mo [--scope S]... [--locked] [--json]")
	account := fs.String("account", "", "the `ID` of the account the client acts for (required)")
	name := fs.String("name", "", "the client's `name` (required)")
	typ := fs.String("type", "", "the client `type`: admin or standard (required)")
	lifetime := fs.String("lifetime", "", "the `lifetime` of its tokens: 1h, 24h, 30d or 24mo (required)")
	var scopes stringList
	fs.Var(&scopes, "scope", "a `scope` of its tokens; repeat the flag, or separate scopes with commas")
	locked := fs.Bool("locked", false, "only the account's Owner and Admins (and operators) may change the client")
	asJSON := fs.Bool("json", false, `print {"client_id":…,"client_secret":…,…} on one line`)
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	in := apiClientCreateIn{AccountID: strings.TrimSpace(*account), Name: *name, Type: strings.ToLower(strings.TrimSpace(*typ)),
		Lifetime: strings.TrimSpace(*lifetime), Scopes: splitGrants(scopes), Locked: *locked}
	switch {
	case in.AccountID == "":
		return usagef("apiclient create: --account is required: the ID of the account, such as acct_… (see %q)", e.prog+" account list")
	case strings.TrimSpace(in.Name) == "":
		return usagef("apiclient create: --name is required")
	case in.Type == "":
		return usagef("apiclient create: --type is required: admin or standard")
	case in.Lifetime == "":
		return usagef("apiclient create: --lifetime is required: 1h, 24h, 30d or 24mo")
	}
	var c apiClientSecretJSON
	if err := callOp(ctx, e, *config, "apiclient.create", in, &c); err != nil {
		return describe("apiclient create", err)
	}
	return printSecret(e.stdout, c, *asJSON, "created")
}

// printSecret prints a client with its secret, which is not shown again.
func printSecret(w io.Writer, c apiClientSecretJSON, asJSON bool, verb string) error {
	if asJSON {
		return writeLine(w, c)
	}
	fmt.Fprintf(w, "%s %s API client %q with ID %s in %s; tokens last %s\n", verb, c.Type, c.Name, c.ClientID, c.AccountID, c.Lifetime)
	fmt.Fprintf(w, "client secret (shown only now): %s\n", c.ClientSecret)
	return nil
}

// cmdAPIClientList runs "gatehouse apiclient list".
func cmdAPIClientList(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "apiclient list", "apiclient list --account ID [--json]")
	account := fs.String("account", "", "the `ID` of the account (required)")
	asJSON := fs.Bool("json", false, "print the clients as one JSON array on one line")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*account) == "" {
		return usagef("apiclient list: --account is required: the ID of the account, such as acct_… (see %q)", e.prog+" account list")
	}
	var all []apiClientJSON
	err := eachPage(ctx, e, *config, "apiclient.list", strings.TrimSpace(*account), func(p json.RawMessage) (string, error) {
		var page pageJSON[apiClientJSON]
		err := json.Unmarshal(p, &page)
		all = append(all, page.Items...)
		return page.Next, err
	})
	if err != nil {
		return describe("apiclient list", err)
	}
	if *asJSON {
		return writeLine(e.stdout, nonNil(all))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tENABLED\tLOCKED\tLIFETIME\tSCOPES\tOWNER\tCREATED")
	for _, c := range all {
		owner := c.OwnerID
		if owner == "" {
			owner = "operator"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ClientID, c.Name, c.Type, strconv.FormatBool(c.Enabled),
			strconv.FormatBool(c.Locked), c.Lifetime, strings.Join(c.Scopes, " "), owner, c.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// cmdAPIClientChange runs "gatehouse apiclient rotate|disable|enable|delete".
func cmdAPIClientChange(ctx context.Context, e env, verb string, args []string) error {
	fs, config := newFlagSet(e, "apiclient "+verb, "apiclient "+verb+" CLIENT_ID [--json]")
	asJSON := fs.Bool("json", false, "print the result as JSON on one line")
	id, err := parseWithIDHint(fs, args, "client ID", fmt.Sprintf("such as apiclient_… (see %q)", e.prog+" apiclient list --account ID"))
	if err != nil {
		return helpOK(err)
	}
	in := apiClientIDIn{ID: id}
	switch verb {
	case "rotate":
		var c apiClientSecretJSON
		if err := callOp(ctx, e, *config, "apiclient.rotate", in, &c); err != nil {
			return describe("apiclient rotate", err)
		}
		return printSecret(e.stdout, c, *asJSON, "new secret for")
	case "delete":
		var out apiClientIDIn
		if err := callOp(ctx, e, *config, "apiclient.delete", in, &out); err != nil {
			return describe("apiclient delete", err)
		}
		if *asJSON {
			return writeLine(e.stdout, map[string]any{"client_id": out.ID, "deleted": true})
		}
		fmt.Fprintf(e.stdout, "deleted API client %s; it gets no more tokens\n", out.ID)
		return nil
	}
	var c apiClientJSON
	if err := callOp(ctx, e, *config, "apiclient."+verb, in, &c); err != nil {
		return describe("apiclient "+verb, err)
	}
	if *asJSON {
		return writeLine(e.stdout, c)
	}
	fmt.Fprintf(e.stdout, "API client %s (%s) is now %sd\n", c.ClientID, c.Name, verb)
	return nil
}
