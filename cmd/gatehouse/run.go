package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

// version is the release this source tree builds.
const version = "0.1.0-dev"

// hooks lets tests observe and steer runWith. The zero value is what the
// real binary uses.
type hooks struct {
	// now is the clock (time.Now when nil).
	now func() time.Time
	// ready is called, when not nil, with the address the public server
	// listens on ("127.0.0.1:PORT") once it accepts connections.
	ready func(addr string)
	// janitorInterval is how often expired records are swept (one minute
	// when zero).
	janitorInterval time.Duration
	// vatTicks, when not nil, drives the background VAT re-checks instead
	// of a ticker on janitorInterval, so that a test decides when a round
	// runs (its clock decides which numbers are due).
	vatTicks <-chan time.Time
	// metricsReady is called, when not nil, with the address of the
	// metrics listener (metrics.listen) once it listens.
	metricsReady func(addr string)
}

// env is what a command gets from the operating system.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	hooks  hooks
	// prog is how the user invokes the binary, for hints.
	prog string
}

// usageError is a command line that cannot be run as written. The binary
// exits with status 2 for it.
type usageError struct {
	msg string
}

// Error returns the message.
func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode returns the process exit status for an error returned by run:
// 2 for a usage error, 1 for anything else.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// run is the whole program. main calls it with the operating system's
// arguments, environment and standard streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, stdin, stdout, stderr, hooks{})
}

// runWith is run with test hooks.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, h hooks) error {
	// SIGINT and SIGTERM end the context: a server stops accepting
	// connections, finishes the requests in flight within
	// server.shutdown_timeout and closes the database. Once the context
	// ends the signals are no longer caught, so a second one stops the
	// process at once.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	if h.now == nil {
		h.now = time.Now
	}
	if h.janitorInterval <= 0 {
		h.janitorInterval = time.Minute
	}
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, hooks: h, prog: progName(args)}
	var rest []string
	if len(args) > 1 {
		rest = args[1:]
	}
	if len(rest) == 0 || strings.HasPrefix(rest[0], "-") && rest[0] != "-h" && rest[0] != "--help" {
		return cmdServe(ctx, e, rest)
	}
	switch rest[0] {
	case "serve":
		return cmdServe(ctx, e, rest[1:])
	case "user", "users":
		return cmdUser(ctx, e, rest[1:])
	case "client", "clients":
		return cmdClient(ctx, e, rest[1:])
	case "audit":
		return cmdAudit(ctx, e, rest[1:])
	case "account", "accounts":
		return cmdAccount(ctx, e, rest[1:])
	case "member", "members":
		return cmdMember(ctx, e, rest[1:])
	case "apiclient", "apiclients":
		return cmdAPIClient(ctx, e, rest[1:])
	case "vat":
		return cmdVAT(ctx, e, rest[1:])
	case "keys":
		return cmdKeys(ctx, e, rest[1:])
	case "backup":
		return cmdBackup(ctx, e, rest[1:])
	case "restore":
		return cmdRestore(ctx, e, rest[1:])
	case "migrate-storage":
		return cmdMigrateStorage(ctx, e, rest[1:])
	case "version", "--version":
		fmt.Fprintf(stdout, "gatehouse %s%s\n", version, buildInfo())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText(e.prog))
		return nil
	default:
		return usagef("unknown command %q; run %q for the list of commands", rest[0], e.prog+" help")
	}
}

// usageText is the output of "gatehouse help".
func usageText(prog string) string {
	return strings.ReplaceAll(`Gatehouse is an OpenID Connect provider with hosted sign-in pages.

Usage:
  PROG [serve] [--config FILE]          run the server (the default command)
  PROG user create --email E --name N --password-stdin
                                         create an active user; the password is read from stdin
  PROG user list                        list users
  PROG user set-mfa --email E --method email|sms|totp [--phone +E164]
                                         set a user's second factor (totp: enrolled at the next sign-in)
  PROG user reset-mfa --email E [--reason R]
                                         back to e-mail codes; removes the app and recovery codes
  PROG user unlock-mfa --email E [--reason R]
                                         lift the lock after too many wrong second-factor codes
  PROG audit list [--target ID] [--limit N]
                                         show the audit log, newest first
  PROG audit export [--since TIME] [--format jsonl]
                                         write the audit log since TIME, one JSON object a line, newest first
  PROG client create --name N --redirect-uri U [--redirect-uri U2] [--public]
        [--post-logout-redirect-uri U] [--id-token-alg RS256|ES256]
        [--grant authorization_code|refresh_token|client_credentials]... [--require-pkce] [--json]
                                         register a client; a confidential client's secret is shown once
  PROG client list                      list clients
  PROG account create --name N --owner EMAIL [--parent ID] [--type individual|business] [--json]
                                         create an account; the Owner must be an existing user
  PROG account list [--parent ID] [--json]
                                         list the top-level accounts, or the children of one
  PROG account show ID [--json]         show one account
  PROG account suspend|activate|deactivate ID --reason R
                                         change an account's status (suspended: no sign-in to it, no tokens)
  PROG account transfer-ownership ID --to EMAIL --reason R
                                         make an active member the Owner; the old Owner becomes an Admin
  PROG account set-policy ID [--require-phishing-resistant=true|false]
        [--forbid-trusted-devices=true|false] [--json]
                                         set an account's own sign-in policy; a flag not given keeps the value that applies
  PROG member add ACCOUNT_ID --email E --role admin|developer|default
                                         add an existing user to an account
  PROG member list ACCOUNT_ID [--json]  list an account's direct members
  PROG member set-role ACCOUNT_ID --email E --role R
                                         change a member's role
  PROG member remove ACCOUNT_ID --email E
                                         remove a member (kept, inactive, for the audit trail)
  PROG apiclient create --account ID --name N --type admin|standard --lifetime 1h|24h|30d|24mo
        [--scope S]... [--locked] [--json]
                                         create an API client of an account; its secret is shown once
  PROG apiclient list --account ID [--json]
                                         list an account's API clients
  PROG apiclient rotate CLIENT_ID [--json]
                                         give an API client a new secret, shown once; the old one fails at once
  PROG apiclient disable|enable|delete CLIENT_ID [--json]
                                         stop or restart an API client's tokens, or delete it
  PROG vat check NUMBER [--country CC] [--json]
                                         check an EU VAT number under vat.mode; exit 1 when invalid or unreachable
  PROG keys list [--json]               the signing keys: next, signing, retired, and until when
  PROG keys rotate [--alg A] [--now]    publish a new key (ES256, RS256 or EdDSA); --now: it signs at once
  PROG backup --out FILE [--force]      copy the database, also while the server runs, with FILE.sha256
  PROG restore --from FILE [--force]    check a backup and put it into the stopped data directory
  PROG migrate-storage --to postgres [--dsn DSN] [--schema S]
                                         copy the stopped bbolt data directory into an empty PostgreSQL database
  PROG version                          print the version
  PROG help                             print this help

Every command takes --config FILE; every setting can also be set with an
environment variable GATEHOUSE_<SECTION>_<KEY>, such as GATEHOUSE_SERVER_LISTEN
(see config.example.yaml). The user, client, account, member and apiclient commands talk to a running
server through <storage.data_dir>/admin.sock, or open the data directly when
no server runs.
`, "PROG", prog)
}

// progName returns how to invoke the binary in hints: "go run
// ./cmd/gatehouse" under go run, else "gatehouse".
func progName(args []string) string {
	if len(args) > 0 && strings.Contains(args[0], "go-build") {
		return "go run ./cmd/gatehouse"
	}
	return "gatehouse"
}

// buildInfo returns the VCS revision the binary was built from, if known.
func buildInfo() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev == "" {
		return " (" + bi.GoVersion + ")"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return fmt.Sprintf(" (%s%s, %s)", rev, modified, bi.GoVersion)
}

// stringList is a repeatable string flag.
type stringList []string

// String returns the values joined by commas.
func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set appends one value.
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// newFlagSet returns a flag set for a command that writes its errors to
// stderr and takes --config.
func newFlagSet(e env, name, synopsis string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: %s %s\n\nFlags:\n", e.prog, synopsis)
		fs.PrintDefaults()
	}
	config := fs.String("config", "", "read configuration from the YAML `file` (see config.example.yaml)")
	return fs, config
}

// parseFlags parses args into fs and refuses positional arguments. It
// returns errHelp after printing usage for -h.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{msg: fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// errHelp means the user asked for a command's help, which has been
// printed; the command does nothing else and succeeds.
var errHelp = errors.New("help requested")
