package password

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBlocklistFile(t *testing.T) {
	seen := make(map[string]int)
	n := 0
	for line := range strings.Lines(blocklistText) {
		n++
		w := strings.TrimSuffix(line, "\n")
		if w != strings.ToLower(Normalize(w)) {
			t.Errorf("line %d %q is not NFKC-normalised and lowercased", n, w)
		}
		if c := utf8.RuneCountInString(w); c < MinLength || c > MaxLength {
			t.Errorf("line %d %q has %d code points, want %d to %d", n, w, c, MinLength, MaxLength)
		}
		if prev, dup := seen[w]; dup {
			t.Errorf("line %d %q duplicates line %d", n, w, prev)
		}
		seen[w] = n
	}
	if n < 10000 {
		t.Errorf("blocklist.txt has %d entries, want at least 10000", n)
	}
	if got := len(blocklist()); got != n {
		t.Errorf("len(blocklist()) = %d, want %d (one per line)", got, n)
	}
}

func TestBlocklisted(t *testing.T) {
	tests := []struct {
		lower string
		want  bool
	}{
		{"password", true},
		{"12345678", true},
		{"password1234", true},
		{"qwertyuiop", true},
		{"trustno1", true},
		{"football1", true},
		{"password1234x", false},
		{"correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.lower, func(t *testing.T) {
			if got := blocklisted(tt.lower); got != tt.want {
				t.Errorf("blocklisted(%q) = %v, want %v", tt.lower, got, tt.want)
			}
		})
	}
}
