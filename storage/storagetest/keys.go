package storagetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var keyTests = []test{
	{"SigningKeys", testSigningKeys},
	{"AddSigningKeysAllOrNothing", testAddSigningKeysAllOrNothing},
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
