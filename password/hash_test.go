package password

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fast are cheap parameters for unit tests.
var fast = Params{MemoryKiB: 64, Time: 1, Threads: 1}

func newFast(t *testing.T) *Hasher {
	t.Helper()
	return NewHasher(fast, 2)
}

func mustHash(t *testing.T, h *Hasher, pw string) string {
	t.Helper()
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatalf("Hash(%q) error = %v", pw, err)
	}
	return enc
}

func TestDefaultParams(t *testing.T) {
	p := DefaultParams()
	if want := (Params{MemoryKiB: 19456, Time: 2, Threads: 1}); p != want {
		t.Fatalf("DefaultParams() = %+v, want %+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("DefaultParams().Validate() = %v, want nil", err)
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name      string
		p         Params
		wantField string // "" means valid
	}{
		{"default", DefaultParams(), ""},
		{"test params", fast, ""},
		{"minimum", Params{MemoryKiB: 8, Time: 1, Threads: 1}, ""},
		{"4 threads, 32 KiB", Params{MemoryKiB: 32, Time: 1, Threads: 4}, ""},
		{"zero threads", Params{MemoryKiB: 19456, Time: 2, Threads: 0}, "Threads"},
		{"zero time", Params{MemoryKiB: 19456, Time: 0, Threads: 1}, "Time"},
		{"huge time", Params{MemoryKiB: 19456, Time: 1000, Threads: 1}, "Time"},
		{"zero memory", Params{MemoryKiB: 0, Time: 2, Threads: 1}, "MemoryKiB"},
		{"memory below 8 KiB per thread", Params{MemoryKiB: 31, Time: 1, Threads: 4}, "MemoryKiB"},
		{"memory above 4 GiB", Params{MemoryKiB: 4<<20 + 1, Time: 1, Threads: 1}, "MemoryKiB"},
		{"zero value", Params{}, "Threads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("%+v.Validate() = %v, want nil", tt.p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantField) {
				t.Fatalf("%+v.Validate() = %v, want an error naming %q", tt.p, err, tt.wantField)
			}
		})
	}
}

func TestNewHasherPanicsOnInvalidParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewHasher(Params{}, 1) did not panic")
		}
	}()
	NewHasher(Params{}, 1)
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashFormat(t *testing.T) {
	h := newFast(t)
	a := mustHash(t, h, "correct horse battery staple")
	if !phcRE.MatchString(a) {
		t.Fatalf("Hash() = %q, want a match for %s", a, phcRE)
	}
	if b := mustHash(t, h, "correct horse battery staple"); a == b {
		t.Fatalf("two hashes of the same password are equal (%q): salt not random", a)
	}
	d := NewHasher(DefaultParams(), 1)
	enc := mustHash(t, d, "correct horse battery staple")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash() with default params = %q, want prefix $argon2id$v=19$m=19456,t=2,p=1$", enc)
	}
}

func TestVerify(t *testing.T) {
	h := newFast(t)
	long := strings.Repeat("abcdefghij", 10) // 100 characters
	at80 := []rune(long)
	at80[79] = 'X'
	const precomposed, decomposed = "caf\u00e9 au lait", "cafe\u0301 au lait"
	tests := []struct {
		name     string
		stored   string // password hashed
		given    string // password verified
		wantOK   bool
		wantDesc string
	}{
		{"same", "correct horse battery staple", "correct horse battery staple", true, ""},
		{"wrong", "correct horse battery staple", "correct horse battery stapler", false, ""},
		{"empty given", "correct horse battery staple", "", false, ""},
		{"case differs", "correct horse battery staple", "Correct horse battery staple", false, ""},
		{"trailing space", "correct horse battery staple", "correct horse battery staple ", false, ""},
		{"100 characters", long, long, true, ""},
		{"100 characters differing at 80", long, string(at80), false, ""},
		{"not truncated: 300 vs its first 256", strings.Repeat("q", 300), strings.Repeat("q", 256), false, ""},
		{"precomposed stored, decomposed given", precomposed, decomposed, true, ""},
		{"decomposed stored, precomposed given", decomposed, precomposed, true, ""},
		{"fullwidth stored, ASCII given", "ｐａｓｓｗｏｒｄ ｔｅｓｔ", "password test", true, ""},
		{"ASCII stored, fullwidth given", "password test", "ｐａｓｓｗｏｒｄ ｔｅｓｔ", true, ""},
		{"multi-byte", runes(256), runes(256), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := mustHash(t, h, tt.stored)
			ok, rehash, err := h.Verify(context.Background(), enc, tt.given)
			if err != nil || ok != tt.wantOK || rehash {
				t.Fatalf("Verify(hash of %q, %q) = %v, %v, %v; want %v, false, nil", tt.stored, tt.given, ok, rehash, err, tt.wantOK)
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	old := NewHasher(fast, 1)
	enc := mustHash(t, old, "correct horse battery staple")
	tests := []struct {
		name       string
		h          *Hasher
		pw         string
		wantOK     bool
		wantRehash bool
	}{
		{"same params", NewHasher(fast, 1), "correct horse battery staple", true, false},
		{"more memory", NewHasher(Params{MemoryKiB: 128, Time: 1, Threads: 1}, 1), "correct horse battery staple", true, true},
		{"more time", NewHasher(Params{MemoryKiB: 64, Time: 2, Threads: 1}, 1), "correct horse battery staple", true, true},
		{"more threads", NewHasher(Params{MemoryKiB: 64, Time: 1, Threads: 2}, 1), "correct horse battery staple", true, true},
		{"wrong password never needs rehash", NewHasher(Params{MemoryKiB: 128, Time: 1, Threads: 1}, 1), "wrong", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := tt.h.Verify(context.Background(), enc, tt.pw)
			if err != nil || ok != tt.wantOK || rehash != tt.wantRehash {
				t.Fatalf("Verify(%s, %q) with %v = %v, %v, %v; want %v, %v, nil", enc, tt.pw, tt.h.Params(), ok, rehash, err, tt.wantOK, tt.wantRehash)
			}
		})
	}
	// After the rehash, the new hash verifies without needing another.
	h := NewHasher(Params{MemoryKiB: 128, Time: 1, Threads: 1}, 1)
	enc2 := mustHash(t, h, "correct horse battery staple")
	if ok, rehash, err := h.Verify(context.Background(), enc2, "correct horse battery staple"); !ok || rehash || err != nil {
		t.Fatalf("Verify(rehashed) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestVerifyNeedsRehashOnOtherLengths(t *testing.T) {
	// A hash with a 32-byte salt and a 64-byte key but current parameters:
	// valid, yet not what Hash makes today.
	h := newFast(t)
	salt := []byte(strings.Repeat("s", 32))
	key := argon2idKey([]byte("correct horse battery staple"), salt, fast, 64)
	enc := encode(encodedHash{params: fast, salt: salt, key: key})
	ok, rehash, err := h.Verify(context.Background(), enc, "correct horse battery staple")
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify(%s) = %v, %v, %v; want true, true, nil", enc, ok, rehash, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := newFast(t)
	good := mustHash(t, h, "correct horse battery staple")
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=64,t=1,p=1, salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []struct {
		name, encoded string
	}{
		{"empty", ""},
		{"dollar", "$"},
		{"plain text", "correct horse battery staple"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"missing key", strings.Join(parts[:5], "$")},
		{"extra field", good + "$AAAA"},
		{"argon2i", with(1, "argon2i")},
		{"argon2d", with(1, "argon2d")},
		{"version 16", with(2, "v=16")},
		{"no version", with(2, "")},
		{"params reordered", with(3, "t=1,m=64,p=1")},
		{"params missing", with(3, "m=64,t=1")},
		{"params extra", with(3, "m=64,t=1,p=1,x=2")},
		{"memory not a number", with(3, "m=lots,t=1,p=1")},
		{"memory negative", with(3, "m=-64,t=1,p=1")},
		{"memory overflows uint32", with(3, "m=4294967296,t=1,p=1")},
		{"memory above bound", with(3, "m=4194305,t=1,p=1")},
		{"memory zero", with(3, "m=0,t=1,p=1")},
		{"time zero", with(3, "m=64,t=0,p=1")},
		{"threads zero", with(3, "m=64,t=1,p=0")},
		{"threads overflow uint8", with(3, "m=64,t=1,p=256")},
		{"memory below 8 KiB per thread", with(3, "m=64,t=1,p=9")},
		{"salt not base64", with(4, "!!!!!!!!!!!!!!!!!!!!!!")},
		{"salt padded", with(4, parts[4]+"==")},
		{"salt empty", with(4, "")},
		{"salt too short", with(4, "AAAA")},
		{"key not base64", with(5, "*"+parts[5][1:])},
		{"key empty", with(5, "")},
		{"key too short", with(5, "AAAAAAAA")},
		{"key too long", with(5, strings.Repeat("A", 100))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), tt.encoded, "correct horse battery staple")
			if err == nil || ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, error", tt.encoded, ok, rehash, err)
			}
			if !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) error = %v, want one wrapping ErrMalformedHash", tt.encoded, err)
			}
		})
	}
}

// FuzzVerify checks that no stored string makes Verify panic.
func FuzzVerify(f *testing.F) {
	h := NewHasher(Params{MemoryKiB: 8, Time: 1, Threads: 1}, 1)
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, encoded string) {
		if strings.Contains(encoded, "m=") && !strings.Contains(encoded, "m=8,") {
			return // keep fuzzing cheap: only the smallest memory cost
		}
		_, _, _ = h.Verify(context.Background(), encoded, "pw")
	})
}

// instrument replaces h's hash function with one that reports each call on
// entered and blocks until release is closed or receives a value. It
// returns a pointer to the highest number of calls seen running at once.
func instrument(h *Hasher, entered chan<- Params, release <-chan struct{}) *atomic.Int32 {
	var running, peak atomic.Int32
	h.hashFn = func(pw, salt []byte, p Params, n uint32) []byte {
		r := running.Add(1)
		for {
			old := peak.Load()
			if r <= old || peak.CompareAndSwap(old, r) {
				break
			}
		}
		entered <- p
		<-release
		running.Add(-1)
		return make([]byte, n)
	}
	return &peak
}

func TestHasherBoundsConcurrency(t *testing.T) {
	const bound, callers = 2, 6
	h := NewHasher(fast, bound)
	entered := make(chan Params, callers)
	release := make(chan struct{})
	waiting := make(chan struct{}, callers)
	h.onWait = func() { waiting <- struct{}{} }
	peak := instrument(h, entered, release)

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			_, err := h.Hash(context.Background(), fmt.Sprintf("password number %d", i))
			errs <- err
		})
	}
	// Exactly `bound` callers get in; the others find every slot taken.
	for range bound {
		<-entered
	}
	for range callers - bound {
		<-waiting
	}
	if got := peak.Load(); got != bound {
		t.Fatalf("%d hashes running with %d callers, want %d", got, callers, bound)
	}
	// Let them through one at a time: each release admits one waiter.
	for range callers - bound {
		release <- struct{}{}
		<-entered
		if got := peak.Load(); got > bound {
			t.Fatalf("peak of %d hashes running at once, want at most %d", got, bound)
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Hash() error = %v", err)
		}
	}
	if got := peak.Load(); got != bound {
		t.Errorf("peak of %d hashes running at once, want %d", got, bound)
	}
}

func TestHasherWaitRespectsContext(t *testing.T) {
	h := NewHasher(fast, 1)
	entered := make(chan Params, 2)
	release := make(chan struct{})
	waiting := make(chan struct{}, 2)
	h.onWait = func() { waiting <- struct{}{} }
	instrument(h, entered, release)
	enc := encode(encodedHash{params: fast, salt: make([]byte, 16), key: make([]byte, 32)})

	// One hash holds the only slot.
	holder := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "holder password")
		holder <- err
	}()
	<-entered

	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Hash", func(ctx context.Context) error { _, err := h.Hash(ctx, "waiting password"); return err }},
		{"Verify", func(ctx context.Context) error {
			ok, _, err := h.Verify(ctx, enc, "waiting password")
			if ok {
				return errors.New("ok = true")
			}
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- tt.call(ctx) }()
			<-waiting // the caller is now blocked on the full semaphore
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("%s() while waiting, then cancelled = %v, want context.Canceled", tt.name, err)
			}
		})
	}
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hash(cancelled ctx) = %v, want context.Canceled", err)
		}
	})

	close(release)
	if err := <-holder; err != nil {
		t.Fatalf("holder Hash() error = %v", err)
	}
	select {
	case p := <-entered:
		t.Fatalf("a cancelled caller computed a hash with %v", p)
	default:
	}
}

func TestVerifyDummyDoesTheSameWork(t *testing.T) {
	h := NewHasher(Params{MemoryKiB: 128, Time: 2, Threads: 1}, 1)
	var calls []string
	h.hashFn = func(pw, salt []byte, p Params, n uint32) []byte {
		calls = append(calls, fmt.Sprintf("%v salt=%d key=%d", p, len(salt), n))
		return argon2idKey(pw, salt, p, n)
	}
	enc := mustHash(t, h, "correct horse battery staple")
	calls = nil
	if _, _, err := h.Verify(context.Background(), enc, "wrong password"); err != nil {
		t.Fatal(err)
	}
	h.VerifyDummy(context.Background(), "wrong password")
	if len(calls) != 2 || calls[0] != calls[1] {
		t.Fatalf("Verify then VerifyDummy computed %q, want two identical computations", calls)
	}
	if want := "m=128,t=2,p=1 salt=16 key=32"; calls[1] != want {
		t.Errorf("VerifyDummy computed %q, want %q", calls[1], want)
	}
}

func TestHasherConcurrentUse(t *testing.T) {
	h := newFast(t)
	enc := mustHash(t, h, "shared password")
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range 16 {
		wg.Go(func() {
			pw := fmt.Sprintf("password %d", i)
			e, err := h.Hash(context.Background(), pw)
			if err != nil {
				failures.Add(1)
				return
			}
			if ok, _, err := h.Verify(context.Background(), e, pw); !ok || err != nil {
				failures.Add(1)
			}
			if ok, _, err := h.Verify(context.Background(), enc, "shared password"); !ok || err != nil {
				failures.Add(1)
			}
			h.VerifyDummy(context.Background(), pw)
		})
	}
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d concurrent Hash/Verify calls failed", n)
	}
}

// TestReferenceVectors checks interoperability with the argon2 reference
// implementation: the strings below were made by its command-line tool
// (Debian package argon2, 0~20171227), e.g.
// `echo -n "correct horse battery staple" | argon2 somesaltsomesalt -id -m 6 -t 1 -p 1 -l 32 -e`.
func TestReferenceVectors(t *testing.T) {
	tests := []struct {
		name    string
		params  Params
		salt    string
		encoded string
	}{
		{"m=64,t=1", fast, "somesaltsomesalt",
			"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$XLeLg+p+JNgiFrQNsye8eofeXr30s6P3j/ke/9xgk/0"},
		{"default params", DefaultParams(), "saltsaltsaltsalt",
			"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$QKHrg5tayLGcN+Y0HVPNaBqykOVLUxlMkZycXE1uWRM"},
	}
	const pw = "correct horse battery staple"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := argon2idKey([]byte(pw), []byte(tt.salt), tt.params, keyLen)
			if got := encode(encodedHash{params: tt.params, salt: []byte(tt.salt), key: key}); got != tt.encoded {
				t.Errorf("encode() = %q, want %q", got, tt.encoded)
			}
			h := NewHasher(tt.params, 1)
			ok, rehash, err := h.Verify(context.Background(), tt.encoded, pw)
			if !ok || rehash || err != nil {
				t.Errorf("Verify(%q) = %v, %v, %v; want true, false, nil", tt.encoded, ok, rehash, err)
			}
		})
	}
}

// TestHasherQueueAccessors checks Waiting and InFlight, the argon2id queue
// a metrics gauge reads, while callers wait, as they are let through one at
// a time, and after a waiter gives up.
func TestHasherQueueAccessors(t *testing.T) {
	const bound, callers = 2, 5
	h := NewHasher(fast, bound)
	entered := make(chan Params, callers)
	release := make(chan struct{})
	waiting := make(chan struct{}, callers+1)
	h.onWait = func() { waiting <- struct{}{} }
	instrument(h, entered, release)
	check := func(step string, wantWaiting, wantInFlight int) {
		t.Helper()
		if got := h.Waiting(); got != wantWaiting {
			t.Errorf("%s: Waiting() = %d, want %d", step, got, wantWaiting)
		}
		if got := h.InFlight(); got != wantInFlight {
			t.Errorf("%s: InFlight() = %d, want %d", step, got, wantInFlight)
		}
	}
	check("idle", 0, 0)

	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { _, _ = h.Hash(context.Background(), fmt.Sprintf("password number %d", i)) })
	}
	for range bound {
		<-entered
	}
	for range callers - bound {
		<-waiting
	}
	check("every slot taken", callers-bound, bound)

	// A waiter whose context ends leaves the queue.
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := h.Hash(ctx, "impatient password"); gaveUp <- err }()
	<-waiting
	check("one more waiting", callers-bound+1, bound)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash() after cancel error = %v, want context.Canceled", err)
	}
	check("the impatient caller left", callers-bound, bound)

	for n := callers - bound - 1; n >= 0; n-- {
		release <- struct{}{}
		<-entered
		check(fmt.Sprintf("%d still waiting", n), n, bound)
	}
	close(release)
	wg.Wait()
	check("done", 0, 0)
}
