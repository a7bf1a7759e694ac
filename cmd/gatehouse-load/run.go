package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// run is the whole program: it parses the flags, checks the target, runs
// the scenario and prints the report. main calls it with the operating
// system's arguments, environment and standard streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stdin, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var prog io.Writer
	if cfg.progress {
		prog = stderr
	}
	reps, ch, err := runScenario(ctx, cfg, prog)
	if err != nil {
		return err
	}
	failed, sent := 0, 0
	for i, rep := range reps {
		if i > 0 && !cfg.json {
			fmt.Fprintln(stdout)
		}
		if err := rep.write(stdout, cfg.json); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		failed, sent = failed+rep.Errors, sent+rep.Requests
	}
	if ch != nil && cfg.saveRefresh != "" {
		if err := ch.save(cfg.saveRefresh); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d requests failed: %w", failed, sent, errSomeFailed)
	}
	if sent == 0 {
		return fmt.Errorf("no request was sent: %w", errSomeFailed)
	}
	return nil
}

// runScenario runs the configured scenario: argon2 in process, the others
// against the server named by the discovery document.
func runScenario(ctx context.Context, cfg config, prog io.Writer) ([]report, *chains, error) {
	if cfg.scenario == scenarioArgon2 {
		reps, err := runArgon2(ctx, cfg, prog)
		return reps, nil, err
	}
	hc := newHTTPClient(cfg.concurrency, cfg.timeout)
	defer hc.CloseIdleConnections()
	ep, err := discover(ctx, hc, cfg.issuer)
	if err != nil {
		return nil, nil, err
	}
	c := &caller{hc: hc, cfg: cfg, ep: ep}
	if cfg.signsIn() {
		return c.runSignIn(ctx, prog)
	}
	return c.runOne(ctx, prog)
}

// runOne runs a scenario that needs no sign-in and returns its report,
// and for refresh the chains.
func (c *caller) runOne(ctx context.Context, prog io.Writer) ([]report, *chains, error) {
	sc, target, err := c.prepare(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ch *chains
	var stopWorker func(int) bool
	if c.cfg.scenario == scenarioRefresh {
		ch = &chains{tokens: c.cfg.refreshTokens, broken: make([]bool, c.cfg.concurrency)}
		sc = func(ctx context.Context, w int) outcome { return c.refresh(ctx, ch, w) }
		stopWorker = func(int) bool { return true }
	}
	p := startProgress(prog, c.cfg.scenario)
	samples, elapsed := drive(ctx, c.cfg, sc, stopWorker, p)
	p.finish()
	rep := summarize(c.cfg, c.cfg.scenario, target, samples, elapsed)
	rep.BrokenChains = ch.brokenCount()
	return []report{rep}, ch, nil
}

// prepare returns the scenario's request function and the URL it targets.
// For introspect it obtains the access token first, outside the timed run.
func (c *caller) prepare(ctx context.Context) (scenario, string, error) {
	switch c.cfg.scenario {
	case scenarioClientCredentials, scenarioRefresh:
		if c.ep.token == "" {
			return nil, "", fmt.Errorf("discovery names no token_endpoint")
		}
		return func(ctx context.Context, _ int) outcome {
			_, o := c.clientCredentials(ctx)
			return o
		}, c.ep.token, nil
	case scenarioIntrospect:
		if c.ep.introspection == "" {
			return nil, "", fmt.Errorf("discovery names no introspection_endpoint")
		}
		token := c.cfg.accessToken
		if token == "" {
			var o outcome
			if token, o = c.clientCredentials(ctx); o != "" {
				return nil, "", fmt.Errorf("obtain an access token to introspect: %s", o)
			}
		}
		return func(ctx context.Context, _ int) outcome { return c.introspect(ctx, token) }, c.ep.introspection, nil
	case scenarioJWKS:
		if c.ep.jwks == "" {
			return nil, "", fmt.Errorf("discovery names no jwks_uri")
		}
		return func(ctx context.Context, _ int) outcome { return c.get(ctx, c.ep.jwks) }, c.ep.jwks, nil
	default:
		return func(ctx context.Context, _ int) outcome { return c.get(ctx, c.ep.discovery) }, c.ep.discovery, nil
	}
}
