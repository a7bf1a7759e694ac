package i18n

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

func TestChoose(t *testing.T) {
	fr := language.French
	tests := []struct {
		name   string
		ui     []string
		user   string
		accept string
		def    language.Tag
		want   language.Tag
	}{
		{"nothing gives English", nil, "", "", language.Und, language.English},
		{"configured default", nil, "", "", language.German, language.German},
		{"unsupported default gives English", nil, "", "", language.Japanese, language.English},
		{"ui_locales first", []string{"de"}, "fr", "es", language.Italian, language.German},
		{"first supported ui_locale", []string{"ja", "xx-invalid-!", "fr-CA", "de"}, "", "", language.Und, fr},
		{"region variant of ui_locales", []string{"de-CH"}, "", "", language.Und, language.German},
		{"user locale before Accept-Language", nil, "fr-CA", "de-DE,de;q=0.9", language.Und, fr},
		{"unsupported ui_locales fall to user locale", []string{"ja"}, "pl", "de", language.Und, language.Polish},
		{"malformed user locale is skipped", nil, "not a locale", "da", language.Und, language.Danish},
		{"Accept-Language by weight", nil, "", "en;q=0.5, cs;q=0.8, ja", language.Und, language.Czech},
		{"Accept-Language region", nil, "", "pt-PT,pt;q=0.9", language.Und, language.Portuguese},
		{"Accept-Language q=0 ignored", nil, "", "de;q=0, ja", language.Finnish, language.Finnish},
		{"malformed Accept-Language gives the default", nil, "", "de;q=x", language.Swedish, language.Swedish},
		{"Norwegian is not Danish", nil, "", "nb", language.Und, language.English},
		{"huge Accept-Language ignored", nil, "", strings.Repeat("ja,", 200) + "de", language.Dutch, language.Dutch},
		{"Spanish of Latin America", []string{"es-419"}, "", "", language.Und, language.Spanish},
		{"pseudo-language is never chosen", []string{"en-XA"}, "", "", language.Und, language.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Choose(tt.ui, tt.user, tt.accept, tt.def); got != tt.want {
				t.Errorf("Choose(%q, %q, %q, %v) = %v, want %v", tt.ui, tt.user, tt.accept, tt.def, got, tt.want)
			}
		})
	}
}

func TestSupportedStrings(t *testing.T) {
	want := []string{"en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da", "fi", "cs"}
	if got := SupportedStrings(); !slices.Equal(got, want) {
		t.Errorf("SupportedStrings() = %q, want %q", got, want)
	}
}

// TestEveryLanguageHasEveryKey fails when a language lacks a key of the
// English source or holds a key the source no longer has.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	keys := Keys()
	if len(keys) < 150 {
		t.Fatalf("the source has %d keys; is it complete?", len(keys))
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("key %q is twice in the source", k)
		}
		seen[k] = true
	}
	if len(translations) != len(supported)-1 {
		t.Errorf("%d translations for %d languages besides English", len(translations), len(supported)-1)
	}
	for _, tag := range supported[1:] {
		msgs := translations[tag]
		var missing, extra []string
		for _, k := range keys {
			if _, ok := msgs[k]; !ok {
				missing = append(missing, k)
			}
		}
		for k := range msgs {
			if !seen[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range missing {
			t.Errorf("%s: missing key %q", tag, k)
		}
		for _, k := range extra {
			t.Errorf("%s: key %q is not in the English source", tag, k)
		}
	}
}

var (
	verbRE = regexp.MustCompile(`%(\[\d\])?[sd]`)
	tagRE  = regexp.MustCompile(`<[^>]*>`)
)

// TestTranslationsKeepPlaceholdersAndMarkup fails when a translation loses
// or adds a placeholder or changes the markup of its source, or holds a
// character that would break the HTML it is put into.
func TestTranslationsKeepPlaceholdersAndMarkup(t *testing.T) {
	src := map[string]any{}
	for _, m := range source {
		src[keyOf(m)] = m
	}
	for _, tag := range supported[1:] {
		for key, m := range translations[tag] {
			s, ok := src[key]
			if !ok {
				continue // reported by TestEveryLanguageHasEveryKey
			}
			_, srcPlural := s.(Plural)
			p, isPlural := m.(Plural)
			if srcPlural != isPlural {
				t.Errorf("%s %q: plural is %v, the source's %v", tag, key, isPlural, srcPlural)
				continue
			}
			forms := []string{}
			if isPlural {
				if p.Other == "" {
					t.Errorf("%s %q: plural without Other", tag, key)
				}
				for _, f := range []string{p.One, p.Few, p.Many, p.Other} {
					if f != "" {
						forms = append(forms, f)
					}
				}
			} else {
				forms = append(forms, m.(string))
			}
			for _, f := range forms {
				checkForm(t, tag, key, f)
			}
		}
	}
}

func checkForm(t *testing.T, tag language.Tag, key, form string) {
	t.Helper()
	if strings.TrimSpace(form) == "" {
		t.Errorf("%s %q: empty translation", tag, key)
	}
	if got, want := sortedAll(verbRE, form), sortedAll(verbRE, key); !slices.Equal(got, want) {
		t.Errorf("%s %q: placeholders %q, want %q", tag, key, got, want)
	}
	if got, want := sortedAll(tagRE, form), sortedAll(tagRE, key); !slices.Equal(got, want) {
		t.Errorf("%s %q: markup %q, want %q", tag, key, got, want)
	}
	if rest := tagRE.ReplaceAllString(form, ""); strings.ContainsAny(rest, "<>&\"") {
		t.Errorf("%s %q: translation %q holds <, >, & or \" outside its markup", tag, key, form)
	}
}

func sortedAll(re *regexp.Regexp, s string) []string {
	all := re.FindAllString(s, -1)
	sort.Strings(all)
	return all
}

func TestPrinter(t *testing.T) {
	tests := []struct {
		tag  language.Tag
		key  string
		args []any
		want string
	}{
		{language.English, "Sign in", nil, "Sign in"},
		{language.English, "You have %d unused recovery codes.", []any{1}, "You have 1 unused recovery code."},
		{language.English, "You have %d unused recovery codes.", []any{9}, "You have 9 unused recovery codes."},
		{language.German, "Sign in", nil, "Anmelden"},
		{language.MustParse("de-AT"), "Sign in", nil, "Anmelden"},
		{language.Japanese, "Sign in", nil, "Sign in"},
		{language.English, "a key not in the catalogue", nil, "a key not in the catalogue"},
		{Pseudo, "Sign in", nil, "⟦Sign in⟧"},
		{language.Polish, "You have %d unused recovery codes.", []any{1}, "Masz 1 niewykorzystany kod odzyskiwania."},
		{language.Polish, "You have %d unused recovery codes.", []any{3}, "Masz 3 niewykorzystane kody odzyskiwania."},
		{language.Polish, "You have %d unused recovery codes.", []any{5}, "Masz 5 niewykorzystanych kodów odzyskiwania."},
		{language.Czech, "You have %d unused recovery codes.", []any{4}, "Máte 4 nepoužité záložní kódy."},
		{language.Czech, "You have %d unused recovery codes.", []any{10}, "Máte 10 nepoužitých záložních kódů."},
		{language.English, "%[1]s is your %[2]s sign-in code. It is valid for %[3]d minutes. Do not share it.", []any{"123456", "Gatehouse", 1},
			"123456 is your Gatehouse sign-in code. It is valid for 1 minute. Do not share it."},
	}
	for _, tt := range tests {
		p := New(tt.tag)
		if got := p.T(tt.key, tt.args...); got != tt.want {
			t.Errorf("New(%v).T(%q, %v) = %q, want %q", tt.tag, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestDate(t *testing.T) {
	at := time.Date(2026, 11, 27, 4, 45, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		tag  language.Tag
		want string
	}{
		{language.English, "Friday 27 November 2026, 03:45 UTC"},
		{language.German, "Freitag, 27. November 2026, 03:45 UTC"},
		{language.French, "vendredi 27 novembre 2026, 03:45 UTC"},
		{language.Polish, "piątek, 27 listopada 2026, 03:45 UTC"},
	}
	for _, tt := range tests {
		if got := New(tt.tag).Date(at); got != tt.want {
			t.Errorf("New(%v).Date() = %q, want %q", tt.tag, got, tt.want)
		}
	}
}
