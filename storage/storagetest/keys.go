package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var keyTests = []test{
	{"SigningKeys", testSigningKeys},
	{"AddSigningKeysAllOrNothing", testAddSigningKeysAllOrNothing},
	{"AddSigningKeyAfter", testAddSigningKeyAfter},
	{"AddSigningKeyAfterConcurrent", testAddSigningKeyAfterConcurrent},
	{"DeleteSigningKeys", testDeleteSigningKeys},
	{"Secrets", testSecrets},
}

func testSigningKeys(t *testing.T, s storage.Store) {
	ctx := context.Background()
	keys, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	if len(keys) != 0 {
		t.Fatalf("ListSigningKeys() on an empty store = %d keys, want 0", len(keys))
	}
	rs := fullSigningKey("kid_z", "RS256", at(0))
	es := fullSigningKey("kid_a", "ES256", at(time.Second))
	newer := fullSigningKey("kid_m", "RS256", at(time.Hour))
	newer.RetiredAt = time.Time{}
	must(t, "AddSigningKeys", s.AddSigningKeys(ctx, rs, es))
	must(t, "AddSigningKeys", s.AddSigningKeys(ctx, newer))
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	checkEqual(t, "ListSigningKeys", got, []storage.SigningKey{rs, es, newer})
}

func testAddSigningKeysAllOrNothing(t *testing.T, s storage.Store) {
	ctx := context.Background()
	existing := fullSigningKey("kid_1", "RS256", at(0))
	must(t, "AddSigningKeys", s.AddSigningKeys(ctx, existing))
	tests := []struct {
		name string
		keys []storage.SigningKey
	}{
		{"second ID taken", []storage.SigningKey{fullSigningKey("kid_2", "ES256", at(time.Second)), fullSigningKey("kid_1", "ES256", at(time.Second))}},
		{"ID repeated in the call", []storage.SigningKey{fullSigningKey("kid_3", "ES256", at(time.Second)), fullSigningKey("kid_3", "RS256", at(time.Second))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, "AddSigningKeys", s.AddSigningKeys(ctx, tt.keys...), storage.ErrAlreadyExists)
			got, err := s.ListSigningKeys(ctx)
			must(t, "ListSigningKeys", err)
			checkEqual(t, "ListSigningKeys after refused add", got, []storage.SigningKey{existing})
		})
	}
}

func testAddSigningKeyAfter(t *testing.T, s storage.Store) {
	ctx := context.Background()
	first := fullSigningKey("kid_1", "ES256", at(0))
	second := fullSigningKey("kid_2", "ES256", at(time.Hour))
	rsa := fullSigningKey("kid_r", "RS256", at(2*time.Hour))
	tests := []struct {
		name    string
		prevID  string
		key     storage.SigningKey
		wantErr error
		want    []storage.SigningKey
	}{
		{"first of its algorithm", "", first, nil, []storage.SigningKey{first}},
		{"none expected but one is there", "", second, storage.ErrConflict, []storage.SigningKey{first}},
		{"after a key that is not stored", "kid_x", second, storage.ErrConflict, []storage.SigningKey{first}},
		{"after the newest", "kid_1", second, nil, []storage.SigningKey{first, second}},
		{"after a key that is no longer the newest", "kid_1", fullSigningKey("kid_3", "ES256", at(3*time.Hour)), storage.ErrConflict, []storage.SigningKey{first, second}},
		{"another algorithm is apart", "", rsa, nil, []storage.SigningKey{first, second, rsa}},
		{"an ID that is taken", "kid_2", fullSigningKey("kid_r", "ES256", at(4*time.Hour)), storage.ErrAlreadyExists, []storage.SigningKey{first, second, rsa}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AddSigningKeyAfter(ctx, tt.prevID, tt.key)
			if tt.wantErr == nil {
				must(t, "AddSigningKeyAfter", err)
			} else {
				checkErr(t, "AddSigningKeyAfter", err, tt.wantErr)
			}
			got, err := s.ListSigningKeys(ctx)
			must(t, "ListSigningKeys", err)
			checkEqual(t, "ListSigningKeys", got, tt.want)
		})
	}
}

// testAddSigningKeyAfterConcurrent races several planners of the same
// rotation: exactly one key is added.
func testAddSigningKeyAfterConcurrent(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "AddSigningKeys", s.AddSigningKeys(ctx, fullSigningKey("kid_0", "EdDSA", at(0))))
	const planners = 8
	errs := make(chan error, planners)
	var wg sync.WaitGroup
	for i := range planners {
		wg.Go(func() {
			errs <- s.AddSigningKeyAfter(ctx, "kid_0", fullSigningKey(fmt.Sprintf("kid_p%d", i), "EdDSA", at(time.Hour)))
		})
	}
	wg.Wait()
	close(errs)
	added := 0
	for err := range errs {
		switch {
		case err == nil:
			added++
		case !errors.Is(err, storage.ErrConflict):
			t.Fatalf("AddSigningKeyAfter() = %v, want nil or ErrConflict", err)
		}
	}
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	if added != 1 || len(got) != 2 {
		t.Fatalf("%d planners: %d added and %d keys stored, want 1 and 2", planners, added, len(got))
	}
}

func testDeleteSigningKeys(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b, c := fullSigningKey("kid_a", "RS256", at(0)), fullSigningKey("kid_b", "RS256", at(time.Hour)), fullSigningKey("kid_c", "ES256", at(0))
	must(t, "AddSigningKeys", s.AddSigningKeys(ctx, a, b, c))
	must(t, "DeleteSigningKeys", s.DeleteSigningKeys(ctx, "kid_a", "kid_missing", "", "kid_c"))
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	checkEqual(t, "ListSigningKeys after delete", got, []storage.SigningKey{b})
	must(t, "DeleteSigningKeys (none)", s.DeleteSigningKeys(ctx))
}

func testSecrets(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetSecret(ctx, "crypto_key")
	checkErr(t, "GetSecret(missing)", err, storage.ErrNotFound)

	first := []byte{0x00, 0x01, 0x02, 0xff}
	tests := []struct {
		name  string
		value []byte
		want  []byte
	}{
		{"absent: stores the value", first, first},
		{"present: returns the stored value", []byte("second"), first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.PutSecretIfAbsent(ctx, "crypto_key", tt.value)
			must(t, "PutSecretIfAbsent", err)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("PutSecretIfAbsent() = %x, want %x", got, tt.want)
			}
			got, err = s.GetSecret(ctx, "crypto_key")
			must(t, "GetSecret", err)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("GetSecret() = %x, want %x", got, tt.want)
			}
		})
	}
	got, err := s.PutSecretIfAbsent(ctx, "other", []byte("x"))
	must(t, "PutSecretIfAbsent(other)", err)
	if string(got) != "x" {
		t.Fatalf("PutSecretIfAbsent(other) = %q, want %q", got, "x")
	}
}
