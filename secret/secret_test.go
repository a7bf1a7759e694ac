package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealerRoundTrip(t *testing.T) {
	key := make([]byte, KeySize)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal([]byte("hello"), "ad1")
	tests := []struct {
		name    string
		sealed  []byte
		ad      string
		want    string
		wantErr bool
	}{
		{"same ad", sealed, "ad1", "hello", false},
		{"other ad", sealed, "ad2", "", true},
		{"tampered", append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), "ad1", "", true},
		{"short", sealed[:5], "ad1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Open(tt.sealed, tt.ad)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open err = %v, wantErr %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Fatalf("Open = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewSealerKeySize(t *testing.T) {
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Fatal("NewSealer(16 bytes) succeeded, want error")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(k1) != string(k2) {
		t.Fatal("second load returned another key")
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("not base64!!"), 0o600)
	if _, err := LoadOrCreateKeyFile(bad); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Fatalf("bad key file err = %v, want base64 error", err)
	}
}

func TestIDAndToken(t *testing.T) {
	id := ID("usr_")
	if len(id) != 4+26 || strings.ContainsAny(id, ":ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t.Fatalf("ID = %q, want usr_ + 26 lowercase base32", id)
	}
	if ID("x") == ID("x") {
		t.Fatal("two IDs are equal")
	}
	if got := len(Token(32)); got != 43 {
		t.Fatalf("len(Token(32)) = %d, want 43", got)
	}
	d := Digits(6)
	if len(d) != 6 || strings.Trim(d, "0123456789") != "" {
		t.Fatalf("Digits(6) = %q", d)
	}
	if !Equal(Digest("abc"), "abc") || Equal(Digest("abc"), "abd") || Equal(nil, "abc") {
		t.Fatal("Equal mismatch")
	}
}
