package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// cliPageSize is the page size the list commands ask for.
const cliPageSize = 100

// cmdAccount runs "gatehouse account ...".
func cmdAccount(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("account: missing subcommand; use create, list, show, suspend, activate, deactivate, transfer-ownership or set-policy")
	}
	switch args[0] {
	case "create":
		return cmdAccountCreate(ctx, e, args[1:])
	case "list", "ls":
		return cmdAccountList(ctx, e, args[1:])
	case "show":
		return cmdAccountShow(ctx, e, args[1:])
	case "suspend":
		return cmdAccountStatus(ctx, e, "suspend", storage.AccountSuspended, args[1:])
	case "activate":
		return cmdAccountStatus(ctx, e, "activate", storage.AccountActive, args[1:])
	case "deactivate":
		return cmdAccountStatus(ctx, e, "deactivate", storage.AccountDeactivated, args[1:])
	case "transfer-ownership":
		return cmdAccountTransfer(ctx, e, args[1:])
	case "set-policy":
		return cmdAccountSetPolicy(ctx, e, args[1:])
	default:
		return usagef("account: unknown subcommand %q; use create, list, show, suspend, activate, deactivate, transfer-ownership or set-policy", args[0])
	}
}

// parseWithID parses "ID [flags]" (or the flags then ID) into fs and
// returns the one positional argument, an account ID, refusing none or
// more than one.
func parseWithID(fs *flag.FlagSet, args []string, what string) (string, error) {
	return parseWithIDHint(fs, args, what, fmt.Sprintf("such as acct_… (see %q)", "account list"))
}

// parseWithIDHint is parseWithID for any kind of ID; hint follows "the
// <what> is required," in the usage error.
func parseWithIDHint(fs *flag.FlagSet, args []string, what, hint string) (string, error) {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", errHelp
		}
		return "", &usageError{msg: fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	rest := fs.Args()
	if id == "" && len(rest) > 0 {
		id, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) > 0:
		return "", usagef("%s: unexpected argument %q", fs.Name(), rest[0])
	case strings.TrimSpace(id) == "":
		return "", usagef("%s: the %s is required, %s", fs.Name(), what, hint)
	}
	return strings.TrimSpace(id), nil
}

// writeLine writes v as JSON on one line.
func writeLine(w io.Writer, v any) error {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// cmdAccountCreate runs "gatehouse account create".
func cmdAccountCreate(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "account create", "account create --name N --owner EMAIL [--parent ACCOUNT_ID] [--type individual|business] [--email E] [--json]")
	name := fs.String("name", "", "the account's `name` (required)")
	owner := fs.String("owner", "", "the e-mail `address` of the user who becomes the Owner (required; the user must exist)")
	parent := fs.String("parent", "", "create a child of this account `ID`; a top-level account when empty")
	typ := fs.String("type", "individual", "the account `type`: individual or business")
	email := fs.String("email", "", "the account's contact e-mail `address` (optional)")
	asJSON := fs.Bool("json", false, "print the account as JSON on one line")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	switch {
	case strings.TrimSpace(*name) == "":
		return usagef("account create: --name is required")
	case strings.TrimSpace(*owner) == "":
		return usagef("account create: --owner is required: the e-mail address of an existing user (create one with %q)", e.prog+" user create")
	}
	in := newAccount{Name: *name, OwnerEmail: *owner, ParentID: strings.TrimSpace(*parent), Type: strings.TrimSpace(*typ), Email: *email}
	a, err := withOperator(ctx, e, *config, func(op *operator) (accountJSON, error) { return op.CreateAccount(ctx, in) })
	if err != nil {
		return describe("account create", err)
	}
	if *asJSON {
		return writeLine(e.stdout, a)
	}
	where := "a top-level account"
	if a.ParentID != "" {
		where = fmt.Sprintf("a child of %s (level %d)", a.ParentID, a.Depth)
	}
	fmt.Fprintf(e.stdout, "created %s account %q with ID %s, %s, owned by %s\n", a.Type, a.Name, a.ID, where, a.OwnerEmail)
	return nil
}

// withOperator opens the operator for the configuration, runs fn with
// it and closes it.
func withOperator[T any](ctx context.Context, e env, configPath string, fn func(*operator) (T, error)) (T, error) {
	op, err := openOperator(ctx, e, configPath)
	if err != nil {
		var zero T
		return zero, err
	}
	defer op.Close()
	return fn(op)
}

// cmdAccountList runs "gatehouse account list".
func cmdAccountList(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "account list", "account list [--parent ID] [--json]")
	parent := fs.String("parent", "", "list the children of this account `ID`; the top-level accounts when empty")
	asJSON := fs.Bool("json", false, "print the accounts as one JSON array on one line")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	all, err := withOperator(ctx, e, *config, func(op *operator) ([]accountJSON, error) {
		return op.ListAccounts(ctx, strings.TrimSpace(*parent))
	})
	if err != nil {
		return describe("account list", err)
	}
	if *asJSON {
		return writeLine(e.stdout, nonNil(all))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSTATUS\tLEVEL\tOWNER\tCREATED")
	for _, a := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, a.Name, a.Type, a.Status, a.Depth, a.OwnerID, a.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// nonNil returns s, or an empty slice for nil, so that JSON shows [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// cmdAccountShow runs "gatehouse account show".
func cmdAccountShow(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "account show", "account show ID [--json]")
	asJSON := fs.Bool("json", false, "print the account as JSON on one line")
	id, err := parseWithID(fs, args, "account ID")
	if err != nil {
		return helpOK(err)
	}
	a, err := withOperator(ctx, e, *config, func(op *operator) (accountJSON, error) { return op.ShowAccount(ctx, id) })
	if err != nil {
		return describe("account show", err)
	}
	if *asJSON {
		return writeLine(e.stdout, a)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	rows := [][2]string{
		{"ID", a.ID}, {"Name", a.Name}, {"E-mail", a.Email}, {"Type", a.Type}, {"Status", a.Status},
		{"Status reason", a.StatusReason}, {"Pending reasons", strings.Join(a.PendingReasons, ", ")},
		{"Parent", a.ParentID}, {"Level", fmt.Sprint(a.Depth)}, {"Owner", strings.TrimSpace(a.OwnerEmail + " (" + a.OwnerID + ")")},
		{"Requires WebAuthn", fmt.Sprint(a.Policy.RequirePhishingResistant)}, {"Forbids trusted devices", fmt.Sprint(a.Policy.ForbidTrustedDevices)},
		{"Created", a.CreatedAt.Format(time.RFC3339)}, {"Updated", a.UpdatedAt.Format(time.RFC3339)},
	}
	for _, r := range rows {
		if r[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
		}
	}
	return tw.Flush()
}

// cmdAccountStatus runs "gatehouse account suspend|activate|deactivate".
func cmdAccountStatus(ctx context.Context, e env, verb string, status storage.AccountStatus, args []string) error {
	fs, config := newFlagSet(e, "account "+verb, "account "+verb+" ID --reason R [--json]")
	reason := fs.String("reason", "", "why, for the audit log (required)")
	asJSON := fs.Bool("json", false, "print the account as JSON on one line")
	id, err := parseWithID(fs, args, "account ID")
	if err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*reason) == "" {
		return usagef("account %s: --reason is required (it goes into the audit log)", verb)
	}
	a, err := withOperator(ctx, e, *config, func(op *operator) (accountJSON, error) { return op.SetStatus(ctx, id, status, *reason) })
	if err != nil {
		return describe("account "+verb, err)
	}
	if *asJSON {
		return writeLine(e.stdout, a)
	}
	fmt.Fprintf(e.stdout, "account %q (%s) is now %s\n", a.Name, a.ID, a.Status)
	return nil
}

// cmdAccountTransfer runs "gatehouse account transfer-ownership".
func cmdAccountTransfer(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "account transfer-ownership", "account transfer-ownership ID --to EMAIL --reason R [--json]")
	to := fs.String("to", "", "the e-mail `address` of the active member who becomes the Owner (required)")
	reason := fs.String("reason", "", "why, for the audit log (required)")
	asJSON := fs.Bool("json", false, "print the result as JSON on one line")
	id, err := parseWithID(fs, args, "account ID")
	if err != nil {
		return helpOK(err)
	}
	switch {
	case strings.TrimSpace(*to) == "":
		return usagef("account transfer-ownership: --to is required: the e-mail address of an active member")
	case strings.TrimSpace(*reason) == "":
		return usagef("account transfer-ownership: --reason is required (it goes into the audit log)")
	}
	t, err := withOperator(ctx, e, *config, func(op *operator) (transferJSON, error) { return op.Transfer(ctx, id, *to, *reason) })
	if err != nil {
		return describe("account transfer-ownership", err)
	}
	if *asJSON {
		return writeLine(e.stdout, t)
	}
	fmt.Fprintf(e.stdout, "%s is now the Owner of %q (%s); the previous Owner (%s) is an Admin\n", t.ToEmail, t.Account.Name, t.Account.ID, t.FromUserID)
	return nil
}

// optBool is a boolean flag that remembers whether it was given: nil
// until then. "--flag" alone means true.
type optBool struct{ v *bool }

// String returns the value, or "" when the flag was not given.
func (o *optBool) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.FormatBool(*o.v)
}

// Set parses true or false (and the other forms of strconv.ParseBool).
func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	o.v = &b
	return nil
}

// IsBoolFlag lets the flag stand alone for true.
func (o *optBool) IsBoolFlag() bool { return true }

// cmdAccountSetPolicy runs "gatehouse account set-policy".
func cmdAccountSetPolicy(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "account set-policy",
		"account set-policy ID [--require-phishing-resistant=true|false] [--forbid-trusted-devices=true|false] [--json]")
	var key, devices optBool
	fs.Var(&key, "require-phishing-resistant", "members must sign in with a security key or passkey: true or false (when not given, it stays as it applies now)")
	fs.Var(&devices, "forbid-trusted-devices", "no \"Don't ask again on this device\": true or false (when not given, it stays as it applies now)")
	asJSON := fs.Bool("json", false, "print the account as JSON on one line")
	id, err := parseWithID(fs, args, "account ID")
	if err != nil {
		return helpOK(err)
	}
	if key.v == nil && devices.v == nil {
		return usagef("account set-policy: give --require-phishing-resistant or --forbid-trusted-devices (true or false)")
	}
	a, err := withOperator(ctx, e, *config, func(op *operator) (accountJSON, error) { return op.SetPolicy(ctx, id, key.v, devices.v) })
	if err != nil {
		return describe("account set-policy", err)
	}
	if *asJSON {
		return writeLine(e.stdout, a)
	}
	fmt.Fprintf(e.stdout, "sign-in policy of %q (%s): require security key or passkey %t, forbid trusted devices %t\n",
		a.Name, a.ID, a.Policy.RequirePhishingResistant, a.Policy.ForbidTrustedDevices)
	return nil
}
