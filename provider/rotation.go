package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// KeyChanges is what one Maintain did.
type KeyChanges struct {
	// Added are the keys this process added (planned rotations, and keys
	// for algorithms that had none signing).
	Added []KeyInfo
	// Removed are the IDs of retired keys past their retention.
	Removed []string
	// Published reports whether this process's JWKS changed, by its own
	// work or another process's.
	Published bool
}

// ErrKeyPending is returned by Rotate when the algorithm already has a
// published key that does not sign yet.
var ErrKeyPending = errors.New("a key is already published and does not sign yet")

// Maintain runs the rotation schedule once: for each algorithm whose
// signing key is due (RotationPeriod after it started, less
// PublishAhead), it adds the next key, which signs PublishAhead from now
// at the earliest; it deletes retired keys past Retain; and it refreshes
// the snapshot with what other processes did. The server calls it each
// janitor interval.
func (k *Keys) Maintain(ctx context.Context) (KeyChanges, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var ch KeyChanges
	stored, err := k.ensureSigners(ctx)
	if err != nil {
		return ch, err
	}
	now := k.now()
	for _, alg := range signingAlgs {
		at, due := k.nextDue(stored, alg, now)
		if !due {
			continue
		}
		info, err := k.add(ctx, stored, alg, now, at)
		if errors.Is(err, storage.ErrConflict) {
			continue // another process planned it first; the refresh finds its key
		}
		if err != nil {
			return ch, err
		}
		ch.Added = append(ch.Added, info)
	}
	if len(ch.Added) > 0 {
		if stored, err = k.store.ListSigningKeys(ctx); err != nil {
			return ch, fmt.Errorf("list signing keys: %w", err)
		}
	}
	for _, info := range DescribeKeys(stored, k.policy, now) {
		if info.State == KeyRetired && !now.Before(info.RemoveAfter) {
			ch.Removed = append(ch.Removed, info.ID)
		}
	}
	if len(ch.Removed) > 0 {
		if err := k.store.DeleteSigningKeys(ctx, ch.Removed...); err != nil {
			return ch, err
		}
		if stored, err = k.store.ListSigningKeys(ctx); err != nil {
			return ch, fmt.Errorf("list signing keys: %w", err)
		}
	}
	ch.Published, err = k.refresh(stored)
	return ch, err
}

// nextDue reports whether alg's next key is due at now, and when it
// should start signing: RotationPeriod after the newest key started, and
// never sooner than PublishAhead from now. Nothing is due while a newer
// key waits to sign.
func (k *Keys) nextDue(stored []storage.SigningKey, alg string, now time.Time) (time.Time, bool) {
	newest := newestOf(stored, alg)
	if newest.ID == "" {
		return time.Time{}, false
	}
	start := newest.ActiveAt
	if start.IsZero() {
		start = newest.CreatedAt
	}
	if now.Before(start) {
		return time.Time{}, false
	}
	at := start.Add(k.policy.RotationPeriod)
	if now.Before(at.Add(-k.policy.PublishAhead)) {
		return time.Time{}, false
	}
	if earliest := now.Add(k.policy.PublishAhead); at.Before(earliest) {
		at = earliest
	}
	return at, true
}

// add makes a key of alg that signs from at and stores it after the
// newest stored key of alg (storage.ErrConflict if another process got
// there first).
func (k *Keys) add(ctx context.Context, stored []storage.SigningKey, alg string, now, at time.Time) (KeyInfo, error) {
	key, err := generateSigningKey(alg, k.sealer, now)
	if err != nil {
		return KeyInfo{}, err
	}
	key.ActiveAt = at.UTC()
	// The newest key is the last one made (ListSigningKeys orders by
	// CreatedAt): keep the order strict even within one clock tick, to
	// the microsecond a database keeps.
	newest := newestOf(stored, alg)
	key.CreatedAt = key.CreatedAt.Truncate(time.Microsecond)
	if newest.ID != "" && !key.CreatedAt.After(newest.CreatedAt) {
		key.CreatedAt = newest.CreatedAt.Truncate(time.Microsecond).Add(time.Microsecond)
	}
	if err := k.store.AddSigningKeyAfter(ctx, newest.ID, key); err != nil {
		return KeyInfo{}, fmt.Errorf("add a %s signing key: %w", alg, err)
	}
	return KeyInfo{ID: key.ID, Algorithm: alg, State: KeyNext, CreatedAt: key.CreatedAt, ActiveAt: key.ActiveAt}, nil
}

// Rotate adds a new key of alg now, whatever the schedule: it signs
// PublishAhead from now, or at once when immediately is set (for a key
// that must stop signing now; relying parties that cached the JWKS may
// fail to verify its tokens until they fetch it again). Without
// immediately it refuses with ErrKeyPending while a newer key waits to
// sign. The next scheduled rotation counts from the new key's start.
func (k *Keys) Rotate(ctx context.Context, alg string, immediately bool) (KeyInfo, error) {
	if !SupportedAlg(alg) {
		return KeyInfo{}, fmt.Errorf("algorithm %q is not one of RS256, ES256, EdDSA", alg)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	stored, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return KeyInfo{}, fmt.Errorf("list signing keys: %w", err)
	}
	now := k.now()
	at := now.Add(k.policy.PublishAhead)
	if immediately {
		at = now
	}
	for _, info := range DescribeKeys(stored, k.policy, now) {
		if info.Algorithm == alg && info.State == KeyNext && !immediately {
			return KeyInfo{}, fmt.Errorf("%s key %s is published and signs from %s: %w",
				alg, info.ID, info.ActiveAt.Format(time.RFC3339), ErrKeyPending)
		}
	}
	info, err := k.add(ctx, stored, alg, now, at)
	if err != nil {
		return KeyInfo{}, err
	}
	if stored, err = k.store.ListSigningKeys(ctx); err != nil {
		return KeyInfo{}, fmt.Errorf("list signing keys: %w", err)
	}
	if _, err := k.refresh(stored); err != nil {
		return KeyInfo{}, err
	}
	if immediately {
		info.State = KeySigning
	}
	return info, nil
}
