package password

import (
	"context"
	"testing"
)

func TestQuickRoundTrip(t *testing.T) {
	h := NewHasher(Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2)
	enc, err := h.Hash(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	ok, re, err := h.Verify(context.Background(), enc, "correct horse battery")
	if !ok || re || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want true, false, nil (%s)", ok, re, err, enc)
	}
	if err := Validate("password1234", "a@b.c"); err == nil {
		t.Fatal("blocklisted accepted")
	}
}
