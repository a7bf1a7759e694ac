package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The operator's API client commands ("gatehouse apiclient ..."). Like the
// other commands they call the management API (operator_ops.go), on a
// running server's admin socket or in-process on the data files, and
// leave every rule to iam.

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
	in := newAPIClient{AccountID: strings.TrimSpace(*account), Name: *name, Type: strings.ToLower(strings.TrimSpace(*typ)),
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
	c, err := withOperator(ctx, e, *config, func(op *operator) (apiClientSecretJSON, error) { return op.CreateAPIClient(ctx, in) })
	if err != nil {
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
	all, err := withOperator(ctx, e, *config, func(op *operator) ([]apiClientJSON, error) {
		return op.ListAPIClients(ctx, strings.TrimSpace(*account))
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
	switch verb {
	case "rotate":
		c, err := withOperator(ctx, e, *config, func(op *operator) (apiClientSecretJSON, error) { return op.RotateAPIClient(ctx, id) })
		if err != nil {
			return describe("apiclient rotate", err)
		}
		return printSecret(e.stdout, c, *asJSON, "new secret for")
	case "delete":
		_, err := withOperator(ctx, e, *config, func(op *operator) (struct{}, error) { return struct{}{}, op.DeleteAPIClient(ctx, id) })
		if err != nil {
			return describe("apiclient delete", err)
		}
		if *asJSON {
			return writeLine(e.stdout, map[string]any{"client_id": id, "deleted": true})
		}
		fmt.Fprintf(e.stdout, "deleted API client %s; it gets no more tokens\n", id)
		return nil
	}
	c, err := withOperator(ctx, e, *config, func(op *operator) (apiClientJSON, error) {
		return op.SetAPIClientEnabled(ctx, id, verb == "enable")
	})
	if err != nil {
		return describe("apiclient "+verb, err)
	}
	if *asJSON {
		return writeLine(e.stdout, c)
	}
	fmt.Fprintf(e.stdout, "API client %s (%s) is now %sd\n", c.ClientID, c.Name, verb)
	return nil
}
