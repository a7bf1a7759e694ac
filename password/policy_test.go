package password

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// runes returns a string of exactly n code points built from multi-byte
// runes, so that its length in bytes is well above n.
func runes(n int) string {
	const alphabet = "日本語é€ß漢字ø" // 2- and 3-byte runes, NFKC-stable
	rs := []rune(alphabet)
	var b strings.Builder
	for i := range n {
		b.WriteRune(rs[i%len(rs)])
	}
	return b.String()
}

func TestRunesHelper(t *testing.T) {
	s := runes(256)
	if got := utf8.RuneCountInString(Normalize(s)); got != 256 {
		t.Fatalf("RuneCount(Normalize(runes(256))) = %d, want 256", got)
	}
	if len(s) <= 256 {
		t.Fatalf("len(runes(256)) = %d bytes, want more than 256", len(s))
	}
}

func TestValidate(t *testing.T) {
	const (
		decomposedE = "e\u0301" // "e" + COMBINING ACUTE ACCENT, NFKC-composes to "é"
		ligatureFFI = "\ufb03"  // LATIN SMALL LIGATURE FFI, NFKC-expands to "ffi"
	)
	tests := []struct {
		name     string
		pw       string
		email    string
		wantRule string // "" means accepted
	}{
		{"ordinary passphrase", "correct horse battery staple", "alice@example.com", ""},
		{"exactly 8", "zq8#Lm2!", "alice@example.com", ""},
		{"7 refused", "zq8#Lm2", "alice@example.com", RuleTooShort},
		{"empty refused", "", "alice@example.com", RuleTooShort},
		{"8 multi-byte runes accepted", runes(8), "alice@example.com", ""},
		{"256 code points in more than 256 bytes accepted", runes(256), "alice@example.com", ""},
		{"257 code points refused", runes(257), "alice@example.com", RuleTooLong},
		{"256 ASCII accepted", strings.Repeat("aB3$", 64), "alice@example.com", ""},
		{"257 ASCII refused", strings.Repeat("aB3$", 64) + "x", "alice@example.com", RuleTooLong},
		{"1000 refused, not truncated", strings.Repeat("x", 1000), "alice@example.com", RuleTooLong},
		{"8 decomposed e count as 8 after NFKC", strings.Repeat(decomposedE, 8), "alice@example.com", ""},
		{"7 decomposed e (14 code points raw) refused", strings.Repeat(decomposedE, 7), "alice@example.com", RuleTooShort},
		{"3 ligatures expand to 9 code points", strings.Repeat(ligatureFFI, 3), "alice@example.com", ""},
		{"256 raw code points expanding to 258 refused", strings.Repeat("a", 255) + ligatureFFI, "alice@example.com", RuleTooLong},
		{"blocklisted", "password1234", "alice@example.com", RuleBlocklisted},
		{"blocklisted case-insensitively", "PassWord1234", "alice@example.com", RuleBlocklisted},
		{"blocklisted in fullwidth letters", "ｐａｓｓｗｏｒｄ１２３４", "alice@example.com", RuleBlocklisted},
		{"blocklisted iloveyou", "iloveyou", "alice@example.com", RuleBlocklisted},
		{"blocklist matches whole password only", "password1234 but longer and mine", "alice@example.com", ""},
		{"contains e-mail local part", "alice-secret-99", "alice@example.com", RuleContainsEmail},
		{"contains e-mail local part case-insensitively", "xxALICExx99", "Alice@Example.com", RuleContainsEmail},
		{"contains e-mail local part in fullwidth", "ａｌｉｃｅ-secret-99", "alice@example.com", RuleContainsEmail},
		{"contains dotted local part", "my john.smith pass", "john.smith@example.com", RuleContainsEmail},
		{"2-character local part ignored", "al-secret-words", "al@example.com", ""},
		{"3-character local part checked", "bob-secret-words", "bob@example.com", RuleContainsEmail},
		{"domain is not checked", "example.com-secret", "alice@example.com", ""},
		{"empty e-mail", "alice-secret-99", "", ""},
		{"no composition rules: all lowercase letters", "tangerine otter lamp", "alice@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.pw, tt.email)
			if tt.wantRule == "" {
				if err != nil {
					t.Fatalf("Validate(%q, %q) = %v, want nil", tt.pw, tt.email, err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate(%q, %q) = %v (%T), want *PolicyError with rule %q", tt.pw, tt.email, err, err, tt.wantRule)
			}
			if pe.Rule != tt.wantRule {
				t.Errorf("Validate(%q, %q).Rule = %q, want %q", tt.pw, tt.email, pe.Rule, tt.wantRule)
			}
			if pe.Message == "" || pe.Error() != pe.Message {
				t.Errorf("Validate(%q, %q): Message = %q, Error() = %q, want the same non-empty text", tt.pw, tt.email, pe.Message, pe.Error())
			}
		})
	}
}

func TestPolicyMessagesNameTheRule(t *testing.T) {
	tests := []struct {
		pw, email, rule, wantInMessage string
	}{
		{"short", "a@b.c", RuleTooShort, "at least 8"},
		{strings.Repeat("x", 300), "a@b.c", RuleTooLong, "at most 256"},
		{"password1234", "a@b.c", RuleBlocklisted, "common"},
		{"alice-secret-99", "alice@b.c", RuleContainsEmail, "e-mail"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			var pe *PolicyError
			if !errors.As(Validate(tt.pw, tt.email), &pe) || pe.Rule != tt.rule {
				t.Fatalf("Validate(%q, %q) = %v, want rule %s", tt.pw, tt.email, pe, tt.rule)
			}
			if !strings.Contains(pe.Message, tt.wantInMessage) {
				t.Errorf("Message = %q, want it to contain %q", pe.Message, tt.wantInMessage)
			}
			if strings.Contains(pe.Message, tt.pw) {
				t.Errorf("Message = %q echoes the password", pe.Message)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"decomposed e composes", "caf" + "e\u0301", "caf\u00e9"},
		{"precomposed stays", "caf\u00e9", "caf\u00e9"},
		{"fullwidth letters", "ｐａｓｓ１", "pass1"},
		{"ligature expands", "\ufb01ne", "fine"},
		{"ASCII unchanged", "Hello, World!", "Hello, World!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
