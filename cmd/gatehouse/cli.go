package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// maxPasswordInput bounds what --password-stdin reads.
const maxPasswordInput = 4096

// cmdUser runs "gatehouse user ...".
func cmdUser(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("user: missing subcommand; use %q or %q", e.prog+" user create", e.prog+" user list")
	}
	switch args[0] {
	case "create":
		return cmdUserCreate(ctx, e, args[1:])
	case "list", "ls":
		return cmdUserList(ctx, e, args[1:])
	case "reset-mfa":
		return cmdUserResetMFA(ctx, e, args[1:])
	case "set-mfa":
		return cmdUserSetMFA(ctx, e, args[1:])
	case "unlock-mfa":
		return cmdUserUnlockMFA(ctx, e, args[1:])
	default:
		return usagef("user: unknown subcommand %q; use create, list, set-mfa, reset-mfa or unlock-mfa", args[0])
	}
}

// cmdUserCreate runs "gatehouse user create".
func cmdUserCreate(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "user create", "user create --email E --name N --password-stdin [--config FILE]")
	email := fs.String("email", "", "the user's e-mail `address` (the login identifier)")
	name := fs.String("name", "", "the user's full `name`; the first word is the given name, the rest the family name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (required)")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	switch {
	case strings.TrimSpace(*email) == "":
		return usagef("user create: --email is required")
	case strings.TrimSpace(*name) == "":
		return usagef("user create: --name is required")
	case !*pwStdin:
		return usagef("user create: --password-stdin is required (passwords are never taken as arguments); for example: printf '%%s' 'my password' | %s user create --email %s --name ... --password-stdin", e.prog, *email)
	}
	pw, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	given, family := splitName(*name)
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	u, err := op.CreateUser(ctx, iam.NewUser{Email: *email, GivenName: given, FamilyName: family, Password: pw})
	if err != nil {
		return describe("user create", err)
	}
	fmt.Fprintf(e.stdout, "created user %s <%s> with ID %s\n", u.Name(), u.Email, u.ID)
	return nil
}

// cmdUserList runs "gatehouse user list".
func cmdUserList(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "user list", "user list [--config FILE]")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	// The users are printed a page at a time, so that a list of a million
	// never sits in memory; the table's columns are aligned per page.
	if *asJSON {
		arr := newJSONArray[userJSON](e.stdout)
		if err := op.EachUser(ctx, func(users []userJSON) error { return arr.add(users) }); err != nil {
			return describe("user list", err)
		}
		return arr.close()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tE-MAIL\tNAME\tSTATE\tMFA\tCREATED")
	err = op.EachUser(ctx, func(users []userJSON) error {
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name(), u.State, u.MFAMethod, u.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	})
	if err != nil {
		return describe("user list", err)
	}
	return tw.Flush()
}

// cmdUserResetMFA runs "gatehouse user reset-mfa".
func cmdUserResetMFA(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "user reset-mfa", "user reset-mfa --email E [--reason R] [--config FILE]")
	email := fs.String("email", "", "the user's e-mail `address`")
	reason := fs.String("reason", "", "why, for the audit log (optional)")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("user reset-mfa: --email is required")
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	u, err := op.ResetMFA(ctx, *email, *reason)
	if err != nil {
		return describe("user reset-mfa", err)
	}
	fmt.Fprintf(e.stdout, "reset the second factor of %s (%s): e-mail codes from the next sign-in;\n"+
		"the authenticator app, recovery codes and trusted devices were removed (new recovery codes are shown at the next sign-in)\n", u.Email, u.ID)
	return nil
}

// cmdUserUnlockMFA runs "gatehouse user unlock-mfa".
func cmdUserUnlockMFA(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "user unlock-mfa", "user unlock-mfa --email E [--reason R] [--config FILE]")
	email := fs.String("email", "", "the user's e-mail `address`")
	reason := fs.String("reason", "", "why, for the audit log (optional)")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("user unlock-mfa: --email is required")
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	res, err := op.UnlockMFA(ctx, *email, *reason)
	if err != nil {
		return describe("user unlock-mfa", err)
	}
	if !res.WasLocked {
		fmt.Fprintf(e.stdout, "the second factor of %s (%s) was not locked; its failure counts start again\n", res.User.Email, res.User.ID)
		return nil
	}
	fmt.Fprintf(e.stdout, "unlocked the second factor of %s (%s): codes are sent and accepted again from the next sign-in\n", res.User.Email, res.User.ID)
	return nil
}

// cmdUserSetMFA runs "gatehouse user set-mfa".
func cmdUserSetMFA(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "user set-mfa", "user set-mfa --email E --method email|sms|totp [--phone +E164] [--config FILE]")
	email := fs.String("email", "", "the user's e-mail `address`")
	method := fs.String("method", "", "the second factor: email, sms or totp (the app is enrolled at the next sign-in)")
	phone := fs.String("phone", "", "the `number` for sms, in E.164 form such as +14155550100; stored as verified")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	switch {
	case strings.TrimSpace(*email) == "":
		return usagef("user set-mfa: --email is required")
	case strings.TrimSpace(*method) == "":
		return usagef("user set-mfa: --method is required: email, sms or totp")
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	u, err := op.SetMFAMethod(ctx, *email, *method, *phone)
	if err != nil {
		return describe("user set-mfa", err)
	}
	switch strings.TrimSpace(*method) {
	case "totp":
		fmt.Fprintf(e.stdout, "the authenticator app of %s (%s) is pending: it is enrolled at the next sign-in; until then the user signs in with %s codes\n",
			u.Email, u.ID, u.MFAMethod)
	case "sms":
		fmt.Fprintf(e.stdout, "%s (%s) now signs in with codes sent by SMS to %s\n", u.Email, u.ID, u.Phone)
	default:
		fmt.Fprintf(e.stdout, "%s (%s) now signs in with codes sent by e-mail\n", u.Email, u.ID)
	}
	return nil
}

// cmdAudit runs "gatehouse audit ...".
func cmdAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("audit: missing subcommand; use %q", e.prog+" audit list")
	}
	switch args[0] {
	case "list", "ls":
		return cmdAuditList(ctx, e, args[1:])
	case "export":
		return cmdAuditExport(ctx, e, args[1:])
	default:
		return usagef("audit: unknown subcommand %q; use list or export", args[0])
	}
}

// cmdAuditList runs "gatehouse audit list".
func cmdAuditList(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "audit list", "audit list [--target ID] [--actor A] [--action A] [--limit N] [--json] [--config FILE]")
	target := fs.String("target", "", "only events about this user or client `ID`")
	actor := fs.String("actor", "", "only events by this `actor` (operator, a user ID or a client ID)")
	action := fs.String("action", "", "only events of this `action`, such as mfa.reset")
	limit := fs.Int("limit", iam.DefaultAuditLimit, fmt.Sprintf("show at most `N` events, newest first (1 to %d)", iam.MaxAuditLimit))
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if *limit < 1 || *limit > iam.MaxAuditLimit {
		return usagef("audit list: --limit must be between 1 and %d", iam.MaxAuditLimit)
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	events, err := op.ListAudit(ctx, storage.AuditFilter{Target: *target, Actor: *actor, Action: *action, Limit: *limit})
	if err != nil {
		return describe("audit list", err)
	}
	if *asJSON {
		return writeJSON(e.stdout, events)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tTARGET\tDETAIL")
	for _, ev := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format(time.RFC3339), ev.Actor, ev.Action, ev.Target, formatDetail(ev.Detail))
	}
	return tw.Flush()
}

// formatDetail writes an event's detail as key=value pairs in key order,
// quoting values that hold spaces or quotes.
func formatDetail(d map[string]string) string {
	keys := slices.Sorted(maps.Keys(d))
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := d[k]
		if v == "" || strings.ContainsAny(v, " \t\"=") || strings.ContainsFunc(v, unicode.IsControl) {
			v = strconv.Quote(v)
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, " ")
}

// cmdClient runs "gatehouse client ...".
func cmdClient(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("client: missing subcommand; use %q or %q", e.prog+" client create", e.prog+" client list")
	}
	switch args[0] {
	case "create":
		return cmdClientCreate(ctx, e, args[1:])
	case "list", "ls":
		return cmdClientList(ctx, e, args[1:])
	default:
		return usagef("client: unknown subcommand %q; use create or list", args[0])
	}
}

// cmdClientCreate runs "gatehouse client create". With --account the
// client is a relying application of that account, restricted to its
// members (cli_application.go).
func cmdClientCreate(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "client create", "client create --name N --redirect-uri U [--account ID] [flags]")
	name := fs.String("name", "", "the client's display `name`")
	var redirects, logouts, grants stringList
	fs.Var(&redirects, "redirect-uri", "a redirect `URI` (repeatable), matched exactly")
	fs.Var(&logouts, "post-logout-redirect-uri", "a post-logout redirect `URI` (repeatable)")
	logo := fs.String("logo-uri", "", "an https `URL` of the client's logo, shown on the sign-in pages")
	home := fs.String("client-uri", "", "the client's home page `URL`, where the sign-in pages offer to start again")
	fs.Var(&grants, "grant", "an allowed grant `type` (repeatable): authorization_code, refresh_token, client_credentials; default authorization_code and refresh_token")
	public := fs.Bool("public", false, "a public client (browser or native app): no secret, PKCE required")
	alg := fs.String("id-token-alg", "", "the ID-token signing `algorithm`: RS256, ES256 or EdDSA (default: the server's keys.id_token_alg)")
	pkce := fs.Bool("require-pkce", false, "require PKCE (S256) from this confidential client too")
	account := fs.String("account", "", "the `ID` of the account the client belongs to: only users who may act in it can sign in")
	asJSON := fs.Bool("json", false, `print only {"client_id":…,"client_secret":…}`)
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if strings.TrimSpace(*name) == "" {
		return usagef("client create: --name is required")
	}
	if flagGiven(fs, "account") && strings.TrimSpace(*account) == "" {
		return usagef("client create: --account must not be empty: the ID of the account, such as acct_… (see %q)", e.prog+" account list")
	}
	nc := iam.NewClient{
		Name:                   *name,
		RedirectURIs:           redirects,
		PostLogoutRedirectURIs: logouts,
		LogoURI:                *logo,
		ClientURI:              *home,
		Public:                 *public,
		GrantTypes:             splitGrants(grants),
		IDTokenAlg:             *alg,
		RequirePKCE:            *pkce,
	}
	if id := strings.TrimSpace(*account); id != "" {
		return cmdApplicationCreate(ctx, e, *config, id, nc, *asJSON)
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	c, clientSecret, err := op.CreateClient(ctx, nc)
	if err != nil {
		return describe("client create", err)
	}
	return printNewClient(e.stdout, c.Name, c.ID, clientSecret, "", *asJSON)
}

// cmdClientList runs "gatehouse client list": the server's clients of no
// account, or with --account the relying applications of that account.
func cmdClientList(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "client list", "client list [--account ID] [--config FILE]")
	account := fs.String("account", "", "list the relying applications of the account with this `ID`")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if flagGiven(fs, "account") && strings.TrimSpace(*account) == "" {
		return usagef("client list: --account must not be empty: the ID of the account, such as acct_… (see %q)", e.prog+" account list")
	}
	if id := strings.TrimSpace(*account); id != "" {
		return cmdApplicationList(ctx, e, *config, id, *asJSON)
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	if *asJSON {
		arr := newJSONArray[clientJSON](e.stdout)
		if err := op.EachClient(ctx, func(clients []clientJSON) error { return arr.add(clients) }); err != nil {
			return describe("client list", err)
		}
		return arr.close()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tNAME\tTYPE\tGRANTS\tREDIRECT URIS\tCREATED")
	err = op.EachClient(ctx, func(clients []clientJSON) error {
		for _, c := range clients {
			typ := "confidential"
			if c.Public {
				typ = "public"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, typ, strings.Join(c.GrantTypes, ","),
				strings.Join(c.RedirectURIs, " "), c.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	})
	if err != nil {
		return describe("client list", err)
	}
	return tw.Flush()
}

// helpOK turns errHelp into success.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// describe turns an *iam.Error into a clear one-line error for the
// terminal, naming the field and, for passwords, the rule.
func describe(cmd string, err error) error {
	var ie *iam.Error
	if !errors.As(err, &ie) {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	field := flagFor(ie.Field)
	switch {
	case ie.Rule != "":
		return fmt.Errorf("%s: %s rejected by the password policy (rule %s): %w", cmd, field, ie.Rule, errors.New(ie.Message))
	case field != "":
		return fmt.Errorf("%s: %s: %w", cmd, field, errors.New(ie.Message))
	default:
		return fmt.Errorf("%s: %w", cmd, errors.New(ie.Message))
	}
}

// flagFor returns the flag that sets an iam field, or the field itself.
func flagFor(field string) string {
	switch field {
	case "email":
		return "--email"
	case "given_name", "family_name", "name":
		return "--name"
	case "redirect_uris":
		return "--redirect-uri"
	case "post_logout_redirect_uris":
		return "--post-logout-redirect-uri"
	case "logo_uri":
		return "--logo-uri"
	case "client_uri":
		return "--client-uri"
	case "grant_types":
		return "--grant"
	case "id_token_alg":
		return "--id-token-alg"
	case "method":
		return "--method"
	case "phone":
		return "--phone"
	case "reason":
		return "--reason"
	case "limit":
		return "--limit"
	case "role":
		return "--role"
	case "owner":
		return "--owner"
	case "to":
		return "--to"
	case "type":
		return "--type"
	case "parent_id":
		return "--parent"
	case "require_phishing_resistant":
		return "--require-phishing-resistant"
	case "forbid_trusted_devices":
		return "--forbid-trusted-devices"
	case "lifetime":
		return "--lifetime"
	case "scopes":
		return "--scope"
	case "account":
		return "--account"
	case "account_id", "user_id", "status", "client_id":
		return ""
	}
	return field
}

// readPassword reads a password from r, removing one trailing newline (and
// a carriage return before it).
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxPasswordInput+1))
	if err != nil {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	if len(b) > maxPasswordInput {
		return "", fmt.Errorf("read password from stdin: longer than %d bytes", maxPasswordInput)
	}
	s := strings.TrimSuffix(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", errors.New("read password from stdin: no password given; pipe it in, for example: printf '%s' 'my password' | gatehouse user create ...")
	}
	return s, nil
}

// splitName splits a full name into the given name (the first word) and
// the family name (the rest).
func splitName(name string) (given, family string) {
	fields := strings.Fields(name)
	if len(fields) == 0 {
		return "", ""
	}
	return fields[0], strings.Join(fields[1:], " ")
}

// splitGrants accepts "--grant a,b" as well as repeated --grant flags.
func splitGrants(in []string) []string {
	var out []string
	for _, g := range in {
		for _, p := range strings.Split(g, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// jsonArray writes a JSON array item by item, formatted as writeJSON
// formats a slice, so that a long list is never held whole.
type jsonArray[T any] struct {
	w     io.Writer
	count int
}

// newJSONArray starts an array on w.
func newJSONArray[T any](w io.Writer) *jsonArray[T] { return &jsonArray[T]{w: w} }

// add writes items.
func (a *jsonArray[T]) add(items []T) error {
	for _, it := range items {
		b, err := json.MarshalIndent(it, "  ", "  ")
		if err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		sep := ",\n  "
		if a.count == 0 {
			sep = "[\n  "
		}
		if _, err := io.WriteString(a.w, sep); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		if _, err := a.w.Write(b); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		a.count++
	}
	return nil
}

// close ends the array: [] when it is empty.
func (a *jsonArray[T]) close() error {
	end := "\n]\n"
	if a.count == 0 {
		end = "[]\n"
	}
	if _, err := io.WriteString(a.w, end); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
