package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// fetchJWKS GETs the provider's JWKS and returns it with its ETag.
func (e *env) fetchJWKS() (jose.JSONWebKeySet, string) {
	e.t.Helper()
	resp, err := e.http.Get(e.issuer + "/keys")
	if err != nil {
		e.t.Fatalf("GET /keys: %v", err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		e.t.Fatalf("decode JWKS: %v", err)
	}
	return set, resp.Header.Get("ETag")
}

// kids returns the key IDs of set.
func kids(set jose.JSONWebKeySet) []string {
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.KeyID)
	}
	return ids
}

// verifiesWith reports whether token's signature verifies with the key of
// its kid in set, whatever its expiry.
func verifiesWith(t *testing.T, set jose.JSONWebKeySet, token string) bool {
	t.Helper()
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		t.Fatalf("parse JWS: %v", err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return false
	}
	_, err = jws.Verify(keys[0].Key)
	return err == nil
}

// ccToken issues a client-credentials token (ES256) and returns it with
// its kid.
func (e *env) ccToken() (string, string) {
	e.t.Helper()
	tr := e.token(url.Values{"grant_type": {"client_credentials"}}, apiID, apiSecret)
	if tr.Status != http.StatusOK {
		e.t.Fatalf("client_credentials: %d %s", tr.Status, tr.Error)
	}
	return tr.AccessToken, jwtHeader(e.t, tr.AccessToken)["kid"].(string)
}

// keysIn returns the IDs of the infos in state, of alg ("" for any).
func keysIn(infos []KeyInfo, state, alg string) []string {
	var ids []string
	for _, i := range infos {
		if i.State == state && (alg == "" || i.Algorithm == alg) {
			ids = append(ids, i.ID)
		}
	}
	return ids
}

// TestKeyRotation walks the schedule with the test clock: the next key is
// published PublishAhead before it signs, tokens signed before keep
// verifying, new ones carry the new kid, each period adds exactly one key
// per algorithm, and a retired key leaves the JWKS after Retain.
func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := e.p.Keys()
	policy := keys.Policy()
	if policy.RotationPeriod != DefaultKeyRotationPeriod || policy.PublishAhead != DefaultKeyPublishAhead {
		t.Fatalf("policy = %+v, want the defaults", policy)
	}
	first, firstKid := e.ccToken()
	set0, etag0 := e.fetchJWKS()
	if len(set0.Keys) != 3 {
		t.Fatalf("JWKS at start has %d keys, want 3", len(set0.Keys))
	}
	maintain := func(wantAdded, wantRemoved int) KeyChanges {
		t.Helper()
		ch, err := keys.Maintain(ctx)
		if err != nil {
			t.Fatalf("Maintain: %v", err)
		}
		if len(ch.Added) != wantAdded || len(ch.Removed) != wantRemoved {
			t.Fatalf("Maintain at %s: added %d, removed %d; want %d, %d", e.clock.Now(), len(ch.Added), len(ch.Removed), wantAdded, wantRemoved)
		}
		return ch
	}

	// Not yet due: a minute before the period less PublishAhead.
	e.clock.Advance(policy.RotationPeriod - policy.PublishAhead - time.Minute)
	maintain(0, 0)
	// Due: the next keys are published and do not sign yet.
	e.clock.Advance(2 * time.Minute)
	ch := maintain(3, 0)
	maintain(0, 0) // once per period
	set1, etag1 := e.fetchJWKS()
	if len(set1.Keys) != 6 || etag1 == etag0 {
		t.Fatalf("JWKS after planning: %d keys, ETag changed %v; want 6 and a new ETag", len(set1.Keys), etag1 != etag0)
	}
	var nextES string
	for _, a := range ch.Added {
		if a.Algorithm == algES256 {
			nextES = a.ID
		}
		if a.State != KeyNext || a.ActiveAt.Sub(e.clock.Now()) < policy.PublishAhead-2*time.Minute {
			t.Errorf("added %+v: want state next, signing from about PublishAhead on", a)
		}
	}
	between, kid := e.ccToken()
	if kid != firstKid {
		t.Fatalf("token before the next key's start has kid %s, want %s", kid, firstKid)
	}

	// The next key starts signing; the old tokens still verify.
	e.clock.Advance(policy.PublishAhead)
	last, kid := e.ccToken()
	if kid != nextES {
		t.Fatalf("token after the rotation has kid %s, want %s", kid, nextES)
	}
	set2, _ := e.fetchJWKS()
	for name, tok := range map[string]string{"before": first, "between": between, "after": last} {
		if !verifiesWith(t, set2, tok) {
			t.Errorf("the %s token does not verify with the JWKS", name)
		}
	}
	if _, err := e.p.VerifyAccessToken(ctx, last); err != nil {
		t.Fatalf("VerifyAccessToken(new token): %v", err)
	}
	infos, err := keys.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got := keysIn(infos, KeyRetired, algES256); !slices.Equal(got, []string{firstKid}) {
		t.Fatalf("retired ES256 keys = %v, want [%s]", got, firstKid)
	}

	// Retired keys stay for Retain, then leave the JWKS.
	e.clock.Advance(policy.Retain - time.Minute)
	maintain(0, 0)
	e.clock.Advance(2 * time.Minute)
	maintain(0, 3)
	set3, _ := e.fetchJWKS()
	if ids := kids(set3); len(ids) != 3 || slices.Contains(ids, firstKid) {
		t.Fatalf("JWKS after retention = %v, want the 3 current keys only", ids)
	}
	if !verifiesWith(t, set3, last) {
		t.Fatal("the token of the current key does not verify")
	}

	// A restart loads the same keys.
	e.restart()
	if _, kid := e.ccToken(); kid != nextES {
		t.Fatalf("after a restart the token has kid %s, want %s", kid, nextES)
	}
}

// TestKeyRotateByHand: Rotate publishes a key ahead, refuses a second
// while it waits, and with immediately signs at once.
func TestKeyRotateByHand(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := e.p.Keys()
	_, oldKid := e.ccToken()
	planned, err := keys.Rotate(ctx, algES256, false)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if planned.State != KeyNext || !planned.ActiveAt.Equal(e.clock.Now().Add(DefaultKeyPublishAhead)) {
		t.Fatalf("Rotate = %+v, want next, signing PublishAhead from now", planned)
	}
	tests := []struct {
		name        string
		alg         string
		immediately bool
		wantErr     error
		wantKid     bool // the new key signs the next token
	}{
		{"second while one waits", algES256, false, ErrKeyPending, false},
		{"unknown algorithm", "HS256", false, nil, false},
		{"at once", algES256, true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := keys.Rotate(ctx, tt.alg, tt.immediately)
			switch {
			case tt.wantKid:
				if err != nil {
					t.Fatalf("Rotate: %v", err)
				}
				if _, kid := e.ccToken(); kid != info.ID || info.State != KeySigning {
					t.Fatalf("after Rotate(at once) = %+v the token has kid %s", info, kid)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Rotate = %v, want %v", err, tt.wantErr)
				}
			default:
				if err == nil {
					t.Fatal("Rotate succeeded, want an error")
				}
			}
		})
	}
	infos, _ := keys.List(ctx)
	if got := keysIn(infos, KeyRetired, algES256); !slices.Contains(got, oldKid) || !slices.Contains(got, planned.ID) {
		t.Fatalf("retired ES256 keys = %v, want the old key and the planned one it overtook", got)
	}
	set, _ := e.fetchJWKS()
	if !slices.Contains(kids(set), planned.ID) {
		t.Fatalf("JWKS %v lacks the planned key %s", kids(set), planned.ID)
	}
}

// TestKeyRotationSeveralProcesses: several key holders on one database
// (as several processes would be) that maintain at the same moment add
// exactly one key per algorithm, and each sees the others' keys.
func TestKeyRotationSeveralProcesses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sealer, err := secret.NewSealer(e.key)
	if err != nil {
		t.Fatal(err)
	}
	holders := []*Keys{e.p.Keys()}
	for range 3 {
		k, err := OpenKeys(ctx, e.store, sealer, e.clock.Now, e.p.Keys().Policy())
		if err != nil {
			t.Fatalf("OpenKeys: %v", err)
		}
		holders = append(holders, k)
	}
	e.clock.Advance(DefaultKeyRotationPeriod)
	var wg sync.WaitGroup
	added := make([]int, len(holders))
	for i, k := range holders {
		wg.Go(func() {
			ch, err := k.Maintain(ctx)
			if err != nil {
				t.Errorf("Maintain: %v", err)
			}
			added[i] = len(ch.Added)
		})
	}
	wg.Wait()
	total := 0
	for _, n := range added {
		total += n
	}
	stored, _ := e.store.ListSigningKeys(ctx)
	if total != 3 || len(stored) != 6 {
		t.Fatalf("added %v (total %d), %d keys stored; want 3 and 6", added, total, len(stored))
	}
	for _, k := range holders {
		k.Maintain(ctx) // refreshes
		if n := len(k.ring().all); n != 6 {
			t.Fatalf("a holder publishes %d keys, want 6", n)
		}
	}
}

// TestOpenKeysWrongSealer: keys sealed with another key are refused with
// ErrSealingKey.
func TestOpenKeysWrongSealer(t *testing.T) {
	e := newEnv(t)
	other, err := secret.NewSealer([]byte(secret.Token(24))[:32])
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenKeys(context.Background(), e.store, other, e.clock.Now, KeyPolicy{})
	if !errors.Is(err, ErrSealingKey) {
		t.Fatalf("OpenKeys with another sealing key = %v, want ErrSealingKey", err)
	}
}

// TestDescribeKeys covers the states of the schedule, stored records
// alone.
func TestDescribeKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	keys := []storage.SigningKey{
		{ID: "a", Algorithm: algES256, CreatedAt: t0},
		{ID: "r", Algorithm: algRS256, CreatedAt: t0},
		{ID: "b", Algorithm: algES256, CreatedAt: t0.Add(89 * day), ActiveAt: t0.Add(90 * day)},
		{ID: "x", Algorithm: algRS256, CreatedAt: t0.Add(day), RetiredAt: t0.Add(2 * day)},
	}
	policy := KeyPolicy{Retain: 10 * day}
	tests := []struct {
		name string
		at   time.Time
		want map[string]string
	}{
		{"before the next key signs", t0.Add(89 * day), map[string]string{"a": KeySigning, "b": KeyNext, "r": KeyRetired, "x": KeyRetired}},
		{"after", t0.Add(90 * day), map[string]string{"a": KeyRetired, "b": KeySigning, "r": KeyRetired, "x": KeyRetired}},
		{"a key retired by hand", t0.Add(day + time.Hour), map[string]string{"a": KeySigning, "b": KeyNext, "r": KeyRetired, "x": KeySigning}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, info := range DescribeKeys(keys, policy, tt.at) {
				if info.State != tt.want[info.ID] {
					t.Errorf("key %s: state %s, want %s", info.ID, info.State, tt.want[info.ID])
				}
				if info.State == KeyRetired && !info.RemoveAfter.Equal(info.RetireAt.Add(policy.Retain)) {
					t.Errorf("key %s: remove after %s, want retire %s + retain", info.ID, info.RemoveAfter, info.RetireAt)
				}
			}
		})
	}
}
