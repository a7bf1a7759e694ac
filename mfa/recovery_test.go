package mfa

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestNewRecoveryCodes(t *testing.T) {
	if bits := recoveryLen * 5; bits < 64 {
		t.Fatalf("recovery codes carry %d bits, want at least 64", bits)
	}
	plain, codes := NewRecoveryCodes()
	if len(plain) != 10 || len(codes) != 10 {
		t.Fatalf("NewRecoveryCodes() gave %d plain and %d stored, want 10", len(plain), len(codes))
	}
	format := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)
	seen := map[string]bool{}
	for i, p := range plain {
		if !format.MatchString(p) {
			t.Errorf("code %q does not match %s", p, format)
		}
		if seen[p] {
			t.Errorf("code %q repeated", p)
		}
		seen[p] = true
		if !bytes.Equal(codes[i].Hash, secret.Digest(strings.ReplaceAll(p, "-", ""))) || !codes[i].UsedAt.IsZero() {
			t.Errorf("stored code %d is not the unused digest of %q", i, p)
		}
	}
}

func TestUseRecoveryCode(t *testing.T) {
	const code = "0a1b2-c3d4e-f5g6h"
	upper := strings.ToUpper(code)
	tests := []struct {
		name      string
		input     string
		used      bool
		want      error
		remaining int
		failures  int
	}{
		{"as shown", code, false, nil, 9, 0},
		{"upper case", upper, false, nil, 9, 0},
		{"no dashes", strings.ReplaceAll(code, "-", ""), false, nil, 9, 0},
		{"spaces", " 0a1b2 c3d4e f5g6h ", false, nil, 9, 0},
		{"look-alikes", "oa1b2-c3d4e-f5g6h", false, nil, 9, 0},
		{"wrong code", "0a1b2-c3d4e-f5g6j", false, ErrWrongCode, 10, 1},
		{"too short", "0a1b2-c3d4e", false, ErrMalformedCode, 10, 0},
		{"bad letter", "0a1b2-c3d4e-f5g6u", false, ErrMalformedCode, 10, 0},
		{"non-ASCII", "0a1b2-c3d4e-f5g6ĥ", false, ErrMalformedCode, 10, 0},
		{"used before", code, true, ErrUsed, 9, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, codes := NewRecoveryCodes()
			codes[3] = storage.RecoveryCode{Hash: secret.Digest(strings.ReplaceAll(code, "-", ""))}
			if tt.used {
				codes[3].UsedAt = t0
			}
			st := storage.MFAState{RecoveryCodes: codes}
			remaining, err := UseRecoveryCode(&st, tt.input, t0.Add(time.Minute))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("UseRecoveryCode(%q) = %v, want %v", tt.input, err, tt.want)
			}
			if remaining != tt.remaining || RemainingRecoveryCodes(&st) != tt.remaining {
				t.Errorf("remaining = %d, want %d", remaining, tt.remaining)
			}
			if len(st.Failures) != tt.failures {
				t.Errorf("failures = %d, want %d", len(st.Failures), tt.failures)
			}
		})
	}
}

func TestRecoveryCodesSingleUse(t *testing.T) {
	plain, codes := NewRecoveryCodes()
	st := storage.MFAState{RecoveryCodes: codes}
	now := t0
	for i, p := range plain {
		remaining, err := UseRecoveryCode(&st, p, now)
		if err != nil || remaining != 9-i {
			t.Fatalf("use %d = %d, %v, want %d, nil", i+1, remaining, err, 9-i)
		}
		if _, err := UseRecoveryCode(&st, p, now); !errors.Is(err, ErrUsed) {
			t.Fatalf("reuse of code %d = %v, want ErrUsed", i+1, err)
		}
		now = now.Add(time.Minute)
	}
	if _, err := UseRecoveryCode(&storage.MFAState{}, plain[0], now); !errors.Is(err, ErrWrongCode) {
		t.Errorf("UseRecoveryCode without codes = %v, want ErrWrongCode", err)
	}
}
