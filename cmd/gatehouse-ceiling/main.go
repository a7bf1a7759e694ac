// Gatehouse-ceiling is the reference server that docs/PERFORMANCE.md
// measures Gatehouse against: the least work an HTTP server on this machine
// can do to answer the same requests. It serves, on a loopback address,
//
//   - a discovery document from a bare net/http handler writing fixed bytes
//     (the same bytes as Gatehouse's with --discovery-file, else a built-in
//     document naming its own endpoints);
//   - a minimal token endpoint that checks HTTP Basic client
//     authentication in constant time and signs one JWT with --alg, for the
//     client_credentials grant only;
//   - the JWKS of its one signing key.
//
// The load tool runs its discovery, jwks and client_credentials scenarios
// against it unchanged:
//
//	GATEHOUSE_CEILING_CLIENT_SECRET=s3cret go run ./cmd/gatehouse-ceiling \
//	    --listen 127.0.0.1:18090 --alg ES256 --client-id ceiling
//	GATEHOUSE_LOAD_CLIENT_SECRET=s3cret go run ./cmd/gatehouse-load \
//	    --issuer http://127.0.0.1:18090 --client-id ceiling --scenario client_credentials
//
// It is a measuring instrument, not a server to deploy: it stores nothing,
// has one client and refuses non-loopback listen addresses.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}
