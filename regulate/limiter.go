package regulate

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the number of keys a Limiter remembers unless
// SetMaxKeys says otherwise. A bucket costs about 150 bytes, so the
// default holds under 10 MiB.
const DefaultMaxKeys = 65536

// Limiter is an in-memory token bucket per key (a client IP, see
// KeyForRequest). Each key starts with burst tokens, an allowed request
// takes one, and tokens come back at rate per second up to burst.
//
// Memory is bounded: at most MaxKeys buckets are kept, the least recently
// used one going first, and Sweep drops buckets that have refilled, which
// are indistinguishable from new ones. Evicting a bucket that had not
// refilled yet gives its key a fresh burst; that only happens when more
// than MaxKeys keys are active at once.
//
// A nil Limiter, or one with a rate or burst of zero or less or a rate that
// is not a finite number, allows everything, so that a limit can be turned off in config. A Limiter is
// safe for concurrent use. The counts live in one process and are lost on
// restart; the per-user counter in storage is what survives.
type Limiter struct {
	rate  float64
	burst int
	now   func() time.Time

	mu      sync.Mutex
	maxKeys int
	keys    map[string]*list.Element // of *bucket
	lru     list.List                // front is the most recently used
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a Limiter refilling rate tokens per second up to
// burst. A nil now means time.Now.
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if math.IsNaN(rate) || math.IsInf(rate, 0) {
		rate = 0
	}
	return &Limiter{
		rate:    rate,
		burst:   burst,
		now:     now,
		maxKeys: DefaultMaxKeys,
		keys:    make(map[string]*list.Element),
	}
}

// SetMaxKeys changes how many keys the Limiter remembers (at least one)
// and evicts the least recently used ones beyond it.
func (l *Limiter) SetMaxKeys(n int) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxKeys = max(n, 1)
	l.evict()
}

// Len returns how many keys the Limiter remembers.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

func (l *Limiter) disabled() bool {
	return l == nil || l.rate <= 0 || l.burst <= 0
}

// Allow takes a token for key. When none is left it returns false and how
// long until one is back (at least one nanosecond); the Retry-After header
// rounds it up to whole seconds.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.disabled() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()

	var b *bucket
	if e, found := l.keys[key]; found {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
		l.refill(b, now)
	} else {
		b = &bucket{key: key, tokens: float64(l.burst), last: now}
		l.keys[key] = l.lru.PushFront(b)
		l.evict()
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) / l.rate * float64(time.Second)))
	return false, max(wait, 1)
}

// refill adds the tokens earned since b.last. A clock that went backwards
// earns nothing and does not move b.last back.
func (l *Limiter) refill(b *bucket, now time.Time) {
	elapsed := now.Sub(b.last)
	if elapsed <= 0 {
		return
	}
	b.tokens = min(float64(l.burst), b.tokens+elapsed.Seconds()*l.rate)
	b.last = now
}

// full reports whether b has refilled completely by now.
func (l *Limiter) full(b *bucket, now time.Time) bool {
	elapsed := now.Sub(b.last)
	return elapsed > 0 && b.tokens+elapsed.Seconds()*l.rate >= float64(l.burst)
}

// evict drops least recently used buckets beyond maxKeys. l.mu is held.
func (l *Limiter) evict() {
	for len(l.keys) > l.maxKeys {
		e := l.lru.Back()
		l.lru.Remove(e)
		delete(l.keys, e.Value.(*bucket).key)
	}
}

// Sweep forgets every bucket that has refilled completely by now and
// returns how many went. Run it periodically (say every minute) to give
// memory back after a burst of distinct clients; correctness does not
// depend on it.
func (l *Limiter) Sweep(now time.Time) int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for e := l.lru.Back(); e != nil; {
		prev := e.Prev()
		if b := e.Value.(*bucket); l.full(b, now) {
			l.lru.Remove(e)
			delete(l.keys, b.key)
			n++
		}
		e = prev
	}
	return n
}
