package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

const (
	// saltLen is the length in bytes of a new salt.
	saltLen = 16
	// keyLen is the length in bytes of a new derived key.
	keyLen = 32
	// Bounds on the lengths accepted when parsing a stored hash.
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// Bounds checked by Params.Validate.
const (
	minMemoryKiB = 8       // argon2 needs at least 8 KiB per lane; also checked against Threads
	maxMemoryKiB = 4 << 20 // 4 GiB
	maxTime      = 100     // passes
	minThreads   = 1
)

// ErrMalformedHash is returned (wrapped) when a stored hash is not a valid
// argon2id PHC string.
var ErrMalformedHash = errors.New("malformed password hash")

// Params are the argon2id cost parameters.
type Params struct {
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// DefaultParams returns the OWASP recommendation for argon2id:
// 19 MiB of memory, 2 passes and 1 thread.
func DefaultParams() Params {
	return Params{MemoryKiB: 19456, Time: 2, Threads: 1}
}

// Validate reports whether the parameters are within sane bounds. The error
// names the field that is out of bounds.
func (p Params) Validate() error {
	if p.Threads < minThreads {
		return fmt.Errorf("argon2id parameter Threads (p) = %d, want at least %d", p.Threads, minThreads)
	}
	if p.Time < 1 || p.Time > maxTime {
		return fmt.Errorf("argon2id parameter Time (t, passes) = %d, want 1 to %d", p.Time, maxTime)
	}
	if p.MemoryKiB < minMemoryKiB*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB {
		return fmt.Errorf("argon2id parameter MemoryKiB (m) = %d, want %d to %d (at least 8 KiB per thread)",
			p.MemoryKiB, minMemoryKiB*uint32(p.Threads), maxMemoryKiB)
	}
	return nil
}

// String returns the parameters in PHC form, "m=19456,t=2,p=1".
func (p Params) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", p.MemoryKiB, p.Time, p.Threads)
}

// Hasher hashes and verifies passwords with argon2id. It bounds the number
// of hashes computed at once. A Hasher is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	// hashFn computes the raw argon2id key; tests replace it to observe
	// concurrency.
	hashFn func(pw, salt []byte, p Params, keyLen uint32) []byte
	// onWait, when not nil, is called when a caller finds every slot taken
	// and starts to wait; tests use it to know that a caller is waiting.
	onWait func()
	// dummy is a hash with the Hasher's parameters that VerifyDummy checks
	// against, so unknown users cost the same work as known ones.
	dummy encodedHash
	// computed counts argon2id computations, for Computations.
	computed atomic.Uint64
	// waiting counts the callers waiting for a free slot, for Waiting.
	waiting atomic.Int64
}

// encodedHash is a parsed PHC string.
type encodedHash struct {
	params Params
	salt   []byte
	key    []byte
}

// NewHasher returns a Hasher using p for new hashes. At most maxConcurrent
// hashes (values below 1 mean 1) are computed at once; further calls wait
// for a free slot or for their context to end. Each running hash holds
// p.MemoryKiB of memory; with Go's default GC setting the heap peaks at
// about twice maxConcurrent times that (76 MiB for 2 at the defaults), so
// size maxConcurrent from the memory budget, GOMAXPROCS being a good
// default. NewHasher panics if p is not valid: check configuration with
// Params.Validate first.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("password.NewHasher: %v", err))
	}
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	h := &Hasher{
		params: p,
		sem:    make(chan struct{}, maxConcurrent),
		hashFn: argon2idKey,
	}
	// The dummy's salt and key are random; nothing can ever match it except
	// by chance, and its value does not matter, only its parameters.
	h.dummy = encodedHash{params: p, salt: randomBytes(saltLen), key: randomBytes(keyLen)}
	return h
}

// Computations returns how many argon2id computations the Hasher has run
// (Hash, Verify and VerifyDummy each run one). Tests use it to check that
// every outcome of a password check costs the same work; a metrics exporter
// can report it as a counter.
func (h *Hasher) Computations() uint64 { return h.computed.Load() }

// Waiting returns how many callers wait for a free slot: the length of
// the argon2id queue, for a metrics gauge.
func (h *Hasher) Waiting() int { return int(h.waiting.Load()) }

// InFlight returns how many argon2id computations hold a slot now, at
// most the Hasher's bound.
func (h *Hasher) InFlight() int { return len(h.sem) }

// Params returns the parameters the Hasher uses for new hashes.
func (h *Hasher) Params() Params { return h.params }

func argon2idKey(pw, salt []byte, p Params, keyLen uint32) []byte {
	return argon2.IDKey(pw, salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error since Go 1.24; it crashes
	// the program instead if the system source fails.
	_, _ = rand.Read(b)
	return b
}

// compute runs one argon2id computation inside the concurrency bound.
func (h *Hasher) compute(ctx context.Context, pw, salt []byte, p Params, n uint32) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
	default:
		h.waiting.Add(1)
		if h.onWait != nil {
			h.onWait()
		}
		select {
		case h.sem <- struct{}{}:
			h.waiting.Add(-1)
		case <-ctx.Done():
			h.waiting.Add(-1)
			return nil, ctx.Err()
		}
	}
	defer func() { <-h.sem }()
	h.computed.Add(1)
	return h.hashFn(pw, salt, p, n), nil
}

// Hash normalises pw with NFKC and returns its argon2id hash as a PHC
// string such as "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", with the
// salt and key in unpadded standard base64. If ctx ends before a slot is
// free, it returns an error wrapping ctx.Err() (test with errors.Is).
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := randomBytes(saltLen)
	key, err := h.compute(ctx, []byte(Normalize(pw)), salt, h.params, keyLen)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return encode(encodedHash{params: h.params, salt: salt, key: key}), nil
}

// Verify reports whether pw matches the PHC string encoded. It recomputes
// the hash with the parameters stored in encoded and compares in constant
// time. needsRehash is true when the password matches but the stored
// parameters (or salt or key length) differ from the Hasher's, so the
// caller should store a new Hash. Verify returns an error wrapping
// ErrMalformedHash when encoded cannot be parsed, and one wrapping
// ctx.Err() if ctx ends before a slot is free.
func (h *Hasher) Verify(ctx context.Context, encoded, pw string) (ok, needsRehash bool, err error) {
	eh, err := decode(encoded)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	ok, err = h.check(ctx, eh, pw)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	stale := eh.params != h.params || len(eh.salt) != saltLen || len(eh.key) != keyLen
	return ok, ok && stale, nil
}

// VerifyDummy does the same work as Verify with the Hasher's current
// parameters against a fixed dummy hash, and discards the result. Call it
// for unknown users so that their sign-in takes as long as a real one and
// waits for a slot like one.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) {
	_, _ = h.check(ctx, h.dummy, pw)
}

func (h *Hasher) check(ctx context.Context, eh encodedHash, pw string) (bool, error) {
	key, err := h.compute(ctx, []byte(Normalize(pw)), eh.salt, eh.params, uint32(len(eh.key)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, eh.key) == 1, nil
}

var b64 = base64.RawStdEncoding

func encode(eh encodedHash) string {
	return fmt.Sprintf("$argon2id$v=%d$%s$%s$%s",
		argon2.Version, eh.params, b64.EncodeToString(eh.salt), b64.EncodeToString(eh.key))
}

// decode parses an argon2id PHC string and checks its parameters, so that a
// corrupted or hostile stored hash cannot make Verify panic or allocate
// without bound.
func decode(s string) (encodedHash, error) {
	var eh encodedHash
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" {
		return eh, fmt.Errorf("want 5 $-separated fields: %w", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return eh, fmt.Errorf("algorithm %q, want argon2id: %w", parts[1], ErrMalformedHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return eh, fmt.Errorf("version %q, want v=%d: %w", parts[2], argon2.Version, ErrMalformedHash)
	}
	p, err := parseParams(parts[3])
	if err != nil {
		return eh, err
	}
	if err := p.Validate(); err != nil {
		return eh, fmt.Errorf("%v: %w", err, ErrMalformedHash)
	}
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return eh, fmt.Errorf("salt must be %d to %d bytes of unpadded base64: %w", minSaltLen, maxSaltLen, ErrMalformedHash)
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return eh, fmt.Errorf("key must be %d to %d bytes of unpadded base64: %w", minKeyLen, maxKeyLen, ErrMalformedHash)
	}
	return encodedHash{params: p, salt: salt, key: key}, nil
}

// parseParams parses "m=<uint32>,t=<uint32>,p=<uint8>" in that order.
func parseParams(s string) (Params, error) {
	var p Params
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return p, fmt.Errorf("parameters %q, want m=,t=,p=: %w", s, ErrMalformedHash)
	}
	vals := make([]uint64, 3)
	for i, name := range []string{"m", "t", "p"} {
		k, v, found := strings.Cut(fields[i], "=")
		bits := 32
		if name == "p" {
			bits = 8
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if !found || k != name || err != nil {
			return p, fmt.Errorf("parameter %q, want %s=<number>: %w", fields[i], name, ErrMalformedHash)
		}
		vals[i] = n
	}
	return Params{MemoryKiB: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}, nil
}
