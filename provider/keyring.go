package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Signing-key rotation (issue 14).
//
// Each algorithm has one key that signs at a time. A key made for a
// rotation is published in the JWKS PublishAhead before it starts signing
// (storage.SigningKey.ActiveAt), so that relying parties that cache the
// JWKS know it before they meet it. A key stops signing when a key of its
// algorithm made after it becomes active, and stays published for Retain
// after that, so that every token it signed, and every id_token_hint it
// could verify, still verifies; then it is deleted.
//
// Every process keeps a snapshot of the keys (keyRing) and refreshes it
// on every Maintain, which the server runs each janitor interval; the
// rotation itself is a compare-and-set on the newest key of the algorithm
// (storage.Keys.AddSigningKeyAfter), so several processes on one database
// add exactly one key per period.

// Key rotation defaults.
const (
	DefaultKeyRotationPeriod = 90 * 24 * time.Hour
	DefaultKeyPublishAhead   = 24 * time.Hour
	// DefaultIDTokenHintWindow is how long after its expiry an ID token is
	// still honoured as an id_token_hint (logout, prompt=none).
	DefaultIDTokenHintWindow = 30 * 24 * time.Hour
)

// KeyPolicy is the rotation schedule of the signing keys.
type KeyPolicy struct {
	// RotationPeriod is how long each key signs before the next one
	// takes over.
	RotationPeriod time.Duration
	// PublishAhead is how long the next key is published before it
	// signs.
	PublishAhead time.Duration
	// Retain is how long a key stays published after it stopped
	// signing: the longest lifetime of a token it signed plus the window
	// in which an expired id_token_hint is still honoured. Zero means the
	// longer of the access and ID token lifetimes plus
	// DefaultIDTokenHintWindow.
	Retain time.Duration
}

// withDefaults fills the zero fields of p; lifetime is the longest token
// lifetime the provider knows.
func (p KeyPolicy) withDefaults(lifetime time.Duration) KeyPolicy {
	if p.RotationPeriod <= 0 {
		p.RotationPeriod = DefaultKeyRotationPeriod
	}
	if p.PublishAhead <= 0 {
		p.PublishAhead = DefaultKeyPublishAhead
	}
	if p.Retain <= 0 {
		p.Retain = lifetime + DefaultIDTokenHintWindow
	}
	return p
}

// Key states in KeyInfo.
const (
	KeyNext    = "next"    // published, signs from ActiveAt
	KeySigning = "signing" // the algorithm's current key
	KeyRetired = "retired" // published until RemoveAfter, signs nothing
)

// KeyInfo describes one signing key for operators (gatehouse keys list).
// It holds no key material.
type KeyInfo struct {
	ID        string    `json:"kid"`
	Algorithm string    `json:"alg"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ActiveAt  time.Time `json:"active_at"`
	// RetireAt is when the key stops signing (a later key takes over);
	// zero while no later key is planned.
	RetireAt time.Time `json:"retire_at,omitzero"`
	// RemoveAfter is when a retired key leaves the JWKS.
	RemoveAfter time.Time `json:"remove_after,omitzero"`
}

// keySchedule returns when each key (in ListSigningKeys order) starts and
// stops signing: it starts at ActiveAt (CreatedAt when zero) and stops at
// the earliest start of a key of its algorithm made after it, or at its
// RetiredAt if that is earlier. A zero stop means it signs on.
func keySchedule(keys []storage.SigningKey) (start, stop []time.Time) {
	start = make([]time.Time, len(keys))
	stop = make([]time.Time, len(keys))
	for i, k := range keys {
		start[i] = k.ActiveAt
		if start[i].IsZero() {
			start[i] = k.CreatedAt
		}
		stop[i] = k.RetiredAt
	}
	for i, k := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j].Algorithm == k.Algorithm && (stop[i].IsZero() || start[j].Before(stop[i])) {
				stop[i] = start[j]
			}
		}
	}
	return start, stop
}

// DescribeKeys returns what each stored key is at now under policy, in
// the order of keys (ListSigningKeys: oldest first). It works on the
// stored records alone, so the CLI can list the keys of a stopped server.
func DescribeKeys(keys []storage.SigningKey, policy KeyPolicy, now time.Time) []KeyInfo {
	start, stop := keySchedule(keys)
	infos := make([]KeyInfo, len(keys))
	for i, k := range keys {
		info := KeyInfo{ID: k.ID, Algorithm: k.Algorithm, CreatedAt: k.CreatedAt, ActiveAt: start[i], RetireAt: stop[i]}
		switch {
		case !stop[i].IsZero() && !now.Before(stop[i]):
			info.State = KeyRetired
			info.RemoveAfter = stop[i].Add(policy.Retain)
		case now.Before(start[i]):
			info.State = KeyNext
		default:
			info.State = KeySigning
		}
		infos[i] = info
	}
	return infos
}

// keyRing is a snapshot of the published keys. It is never changed once
// built: a refresh builds a new one.
type keyRing struct {
	byAlg map[string][]*signingKey // oldest first
	all   []*signingKey            // oldest first
}

// signer returns the key of alg that signs at now, or nil.
func (r *keyRing) signer(alg string, now time.Time) *signingKey {
	keys := r.byAlg[alg]
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if !now.Before(k.activeAt) && (k.retireAt.IsZero() || now.Before(k.retireAt)) {
			return k
		}
	}
	return nil
}

// ids returns the key IDs of the ring, oldest first.
func (r *keyRing) ids() []string {
	ids := make([]string, len(r.all))
	for i, k := range r.all {
		ids[i] = k.id
	}
	return ids
}

// Keys holds the signing keys of a provider: the snapshot every token is
// signed with, and the rotation that renews it.
type Keys struct {
	store  storage.Keys
	sealer *secret.Sealer
	now    func() time.Time
	policy KeyPolicy

	cur atomic.Pointer[keyRing]

	mu     sync.Mutex             // serialises changes and refreshes
	opened map[string]*signingKey // by ID: keys already opened (decrypted, parsed)
	// changed, when set, is called after the published keys changed.
	changed func()
}

// ErrSealingKey is returned when the sealing key does not open a stored
// signing key: the data was sealed with another key.
var ErrSealingKey = errors.New("the sealing key does not open the stored signing keys")

// OpenKeys loads the signing keys from store, first adding a key that
// signs at once for each algorithm that has none (on a first start).
func OpenKeys(ctx context.Context, store storage.Keys, sealer *secret.Sealer, now func() time.Time, policy KeyPolicy) (*Keys, error) {
	if now == nil {
		now = time.Now
	}
	k := &Keys{store: store, sealer: sealer, now: now, policy: policy, opened: make(map[string]*signingKey)}
	k.mu.Lock()
	defer k.mu.Unlock()
	stored, err := k.ensureSigners(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := k.refresh(stored); err != nil {
		return nil, err
	}
	return k, nil
}

// ring returns the current snapshot.
func (k *Keys) ring() *keyRing { return k.cur.Load() }

// Policy returns the rotation schedule.
func (k *Keys) Policy() KeyPolicy { return k.policy }

// List returns the stored keys as KeyInfo, oldest first.
func (k *Keys) List(ctx context.Context) ([]KeyInfo, error) {
	stored, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return DescribeKeys(stored, k.policy, k.now()), nil
}

// ensureSigners adds a key that signs at once for each algorithm with no
// key signing now, and returns the stored keys.
func (k *Keys) ensureSigners(ctx context.Context) ([]storage.SigningKey, error) {
	stored, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	now := k.now()
	added := false
	for _, alg := range signingAlgs {
		if signsNow(stored, alg, now) {
			continue
		}
		key, err := generateSigningKey(alg, k.sealer, now)
		if err != nil {
			return nil, err
		}
		err = k.store.AddSigningKeyAfter(ctx, newestOf(stored, alg).ID, key)
		if err != nil && !errors.Is(err, storage.ErrConflict) { // a conflict: another process added one
			return nil, fmt.Errorf("add a %s signing key: %w", alg, err)
		}
		added = true
	}
	if !added {
		return stored, nil
	}
	if stored, err = k.store.ListSigningKeys(ctx); err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return stored, nil
}

// signsNow reports whether a key of alg signs at now.
func signsNow(keys []storage.SigningKey, alg string, now time.Time) bool {
	for _, info := range DescribeKeys(keys, KeyPolicy{}, now) {
		if info.Algorithm == alg && info.State == KeySigning {
			return true
		}
	}
	return false
}

// newestOf returns the last-made key of alg, or a zero key.
func newestOf(keys []storage.SigningKey, alg string) storage.SigningKey {
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Algorithm == alg {
			return keys[i]
		}
	}
	return storage.SigningKey{}
}

// refresh builds a new snapshot from the stored keys, opening only the
// ones not opened before, and reports whether the published set changed.
// The caller holds mu.
func (k *Keys) refresh(stored []storage.SigningKey) (bool, error) {
	start, stop := keySchedule(stored)
	ring := &keyRing{byAlg: make(map[string][]*signingKey)}
	opened := make(map[string]*signingKey, len(stored))
	for i, sk := range stored {
		base := k.opened[sk.ID]
		if base == nil {
			var err error
			if base, err = openSigningKey(sk, k.sealer); err != nil {
				return false, err
			}
		}
		opened[sk.ID] = base
		key := *base
		key.activeAt, key.retireAt = start[i], stop[i]
		ring.all = append(ring.all, &key)
		ring.byAlg[sk.Algorithm] = append(ring.byAlg[sk.Algorithm], &key)
	}
	for _, alg := range signingAlgs {
		if len(ring.byAlg[alg]) == 0 {
			return false, fmt.Errorf("no %s signing key", alg)
		}
	}
	old := k.cur.Load()
	k.opened = opened
	k.cur.Store(ring)
	changed := old == nil || !slices.Equal(old.ids(), ring.ids())
	if changed && old != nil && k.changed != nil {
		k.changed()
	}
	return changed, nil
}
