// Gatehouse-load is the project's load tool: a small, bounded load
// generator for a Gatehouse server on this machine.
//
// Usage:
//
//	GATEHOUSE_LOAD_CLIENT_SECRET=... go run ./cmd/gatehouse-load --client-id ID \
//	    --scenario client_credentials --concurrency 8 --requests 2000
//
// The client secret comes from --client-secret or, to keep it out of the
// process list, from the environment variable GATEHOUSE_LOAD_CLIENT_SECRET.
//
// It sends traffic only to loopback addresses: the issuer must be localhost
// or a loopback IP, every endpoint taken from the discovery document must be
// too, and the dialer refuses any connection whose resolved address is not a
// loopback address. Proxies from the environment are ignored and redirects
// are not followed.
//
// Every run is bounded: either --requests (at most 1,000,000 in total) or
// --duration (at most 10 minutes), never neither. The scenarios are
// client_credentials, refresh, introspect, discovery, jwks, signin,
// signin_refresh and argon2. The report of each scenario gives the number of
// requests, the errors by HTTP status and OAuth error code (or sign-in
// step), the throughput, and latency percentiles (p50, p90, p99, max), as
// text or, with --json, as one JSON object a line. While a scenario runs, a
// progress line on standard error shows the requests, errors and req/s so
// far (--progress=false turns it off). The exit status is 0 when every
// request succeeded, 1 when some failed, and 2 for bad flags.
//
// The refresh scenario follows refresh-token rotation: each answer carries
// the next refresh token, so one chain is strictly sequential, and reusing
// a rotated token would make Gatehouse revoke its whole family. Each worker
// therefore owns one chain. With --concurrency 1, --refresh-token gives the
// chain; with more workers, --refresh-tokens-file names a file (or "-" for
// standard input) with at least as many refresh tokens, one a line, as
// workers; signin_refresh obtains them by signing in (below). Supplied
// tokens are rotated away by the run; --save-refresh-tokens writes the
// latest token of every chain to a file (mode 0600) so that a later run
// can continue.
//
// The signin scenario is the full sign-in over HTTP, as a browser with a
// cookie jar (a fresh one each time): authorize, the e-mail, password and
// code pages, any interstitial such as the recovery codes of a first
// sign-in, the callback, and the code exchange with PKCE at the token
// endpoint; one request of the report is one whole sign-in. Each worker
// signs in its own user, from --users-file (the e-mail address, a space and
// the password, a line). The code is read from the server's development
// outbox (--outbox, <data_dir>/outbox), so the tool must run on the
// server's machine with mail.transport outbox; e-mails already there when
// the run starts are never used. --redirect-uri is the client's registered
// redirect URI; the tool stops at that redirect and never requests it. The
// signin_refresh scenario signs every worker's user in once, concurrently,
// with scope offline_access, and then runs the refresh scenario on the
// chains those sign-ins started under --requests or --duration; it reports
// both. A real measurement must lift the server's per-IP limits and the
// per-user code limits (docs/PERFORMANCE.md shows the settings).
//
// The argon2 scenario is the sign-in ceiling: it sends no request and
// hashes a password with argon2id in this process, once a request, with
// Gatehouse's default parameters or --argon2-params m=KiB,t=passes,p=threads.
// A sign-in verifies one password, so it cannot beat this figure on the same
// cores. The other ceilings are served by cmd/gatehouse-ceiling.
//
// The introspect scenario introspects one access token as its own client:
// --access-token, or else a token the tool obtains once with the
// client_credentials grant before the timed run.
package main
