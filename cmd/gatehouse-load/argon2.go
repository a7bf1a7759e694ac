package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/password"
)

// scenarioArgon2 is the sign-in ceiling: argon2id at the server's
// parameters, computed in this process with no server and no network. It
// is what a sign-in through the pages cannot beat, since each verifies one
// password.
const scenarioArgon2 = "argon2"

// parseArgon2Params parses "m=KiB,t=passes,p=threads"; the empty string is
// Gatehouse's default parameters.
func parseArgon2Params(s string) (password.Params, error) {
	p := password.DefaultParams()
	if s == "" {
		return p, nil
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || seen[k] {
			return p, usagef("--argon2-params: %q is not m=KiB,t=passes,p=threads", s)
		}
		seen[k] = true
		switch k {
		case "m":
			p.MemoryKiB = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, usagef("--argon2-params: p=%d is more than 255 threads", n)
			}
			p.Threads = uint8(n)
		default:
			return p, usagef("--argon2-params: unknown parameter %q; want m, t and p", k)
		}
	}
	if err := p.Validate(); err != nil {
		return p, usagef("--argon2-params: %v", err)
	}
	return p, nil
}

// runArgon2 hashes a password once a request, with one hasher slot per
// worker so that the workers, not a semaphore, bound the work.
func runArgon2(ctx context.Context, cfg config, prog io.Writer) ([]report, error) {
	h := password.NewHasher(cfg.argon2, cfg.concurrency)
	sc := func(ctx context.Context, _ int) outcome {
		if _, err := h.Hash(ctx, "load test passphrase"); err != nil {
			return "argon2 failed"
		}
		return ""
	}
	p := startProgress(prog, scenarioArgon2)
	samples, elapsed := drive(ctx, cfg, sc, nil, p)
	p.finish()
	rep := summarize(cfg, scenarioArgon2, fmt.Sprintf("argon2id %s, in process", cfg.argon2), samples, elapsed)
	return []report{rep}, nil
}
