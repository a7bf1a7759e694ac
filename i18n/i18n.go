package i18n

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Default is the language used when nothing else chooses one.
var Default = language.English

// Pseudo is the pseudo-language of tests: every message is shown as
// "⟦…⟧", so text without brackets did not come from the catalogue.
var Pseudo = language.MustParse("en-XA")

// supported are the shipped languages, English first. The order is the
// order of discovery's ui_locales_supported.
var supported = []language.Tag{
	language.English, language.German, language.French, language.Spanish, language.Italian, language.Dutch,
	language.Polish, language.Portuguese, language.Swedish, language.Danish, language.Finnish, language.Czech,
}

// coreTranslations maps each language but English to its core messages.
var coreTranslations = map[language.Tag]map[string]any{
	language.German: de, language.French: fr, language.Spanish: es, language.Italian: it, language.Dutch: nl,
	language.Polish: pl, language.Portuguese: pt, language.Swedish: sv, language.Danish: da, language.Finnish: fi,
	language.Czech: cs,
}

// Plural is a message whose words depend on a count, its argument number
// Arg (the first when zero), formatted with %d. Other is required; One, Few
// and Many are used where the language has these forms (Polish and Czech
// use Few, Polish Many). A translation's Arg is taken from the source.
type Plural struct {
	Arg                   int
	One, Few, Many, Other string
}

// matcher matches requested languages against the supported ones.
var matcher = language.NewMatcher(supported)

// cat is the catalogue built from source and the translations.
var cat = mustBuild()

// Supported returns the shipped languages, English first.
func Supported() []language.Tag {
	return slices.Clone(supported)
}

// SupportedStrings returns the shipped languages as BCP 47 tags, for
// discovery's ui_locales_supported.
func SupportedStrings() []string {
	out := make([]string, len(supported))
	for i, t := range supported {
		out[i] = t.String()
	}
	return out
}

// Keys returns every message key, in the order of the English source.
func Keys() []string {
	keys := make([]string, 0, len(source))
	for _, m := range source {
		keys = append(keys, keyOf(m))
	}
	return keys
}

// keyOf returns the key of a source message: its text, or a plural's
// Other form.
func keyOf(m any) string {
	if p, ok := m.(Plural); ok {
		return p.Other
	}
	return m.(string)
}

// mustBuild builds the catalogue; a malformed message is a programming
// error caught by the tests, so it panics.
func mustBuild() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	args := map[string]int{}
	for _, m := range source {
		key := keyOf(m)
		if p, ok := m.(Plural); ok {
			args[key] = max(1, p.Arg)
		}
		must(set(b, language.English, key, m, args[key]))
		must(set(b, Pseudo, key, pseudo(m), args[key]))
	}
	for tag, msgs := range translations {
		for key, m := range msgs {
			must(set(b, tag, key, m, args[key]))
		}
	}
	return b
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// set adds one message, a string or a Plural whose count is argument arg,
// to the catalogue.
func set(b *catalog.Builder, tag language.Tag, key string, m any, arg int) error {
	switch m := m.(type) {
	case string:
		return b.SetString(tag, key, m)
	case Plural:
		var cases []any
		for _, c := range []struct{ sel, text string }{{"one", m.One}, {"few", m.Few}, {"many", m.Many}, {"other", m.Other}} {
			if c.text != "" {
				cases = append(cases, c.sel, c.text)
			}
		}
		return b.Set(tag, key, plural.Selectf(max(1, arg), "%d", cases...))
	default:
		return fmt.Errorf("i18n: message %q in %s is a %T, want a string or a Plural", key, tag, m)
	}
}

// pseudo brackets every form of m.
func pseudo(m any) any {
	if p, ok := m.(Plural); ok {
		return Plural{Arg: p.Arg, One: pseudo(p.One).(string), Other: pseudo(p.Other).(string)}
	}
	if m == "" {
		return ""
	}
	return "⟦" + m.(string) + "⟧"
}

// Match returns the supported language closest to tag, or Default when
// none is close enough. Pseudo matches itself.
func Match(tag language.Tag) language.Tag {
	if tag == Pseudo {
		return Pseudo
	}
	if t, ok := match(tag); ok {
		return t
	}
	return Default
}

// match returns the supported language that serves tag well: the same
// language, with at least high confidence. de-CH gets German, but
// Norwegian does not get Danish, so that a Norwegian's next choice (their
// saved locale, Accept-Language) is asked.
func match(tag language.Tag) (language.Tag, bool) {
	if tag == language.Und {
		return language.Und, false
	}
	_, i, conf := matcher.Match(tag)
	if conf < language.High {
		return language.Und, false
	}
	want, _ := tag.Base()
	got, _ := supported[i].Base()
	if want != got {
		return language.Und, false
	}
	return supported[i], true
}

// Limits on what Choose reads of a request, so that a long header costs
// nothing.
const (
	maxLocales     = 16
	maxHeaderBytes = 512
)

// Choose returns the language of a request: the first of uiLocales (the
// ui_locales parameter, BCP 47 tags in order of preference) that is
// supported, else the user's saved locale, else the best of the
// Accept-Language header, else def (Default when def is language.Und or not
// supported). Unparsable values are skipped.
func Choose(uiLocales []string, userLocale, acceptLanguage string, def language.Tag) language.Tag {
	for _, s := range uiLocales[:min(len(uiLocales), maxLocales)] {
		if t, ok := parseMatch(s); ok {
			return t
		}
	}
	if t, ok := parseMatch(userLocale); ok {
		return t
	}
	if len(acceptLanguage) <= maxHeaderBytes {
		if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil {
			for _, tag := range tags[:min(len(tags), maxLocales)] {
				if t, ok := match(tag); ok {
					return t
				}
			}
		}
	}
	if t, ok := match(def); ok {
		return t
	}
	return Default
}

// ParseLocale returns the supported language of a saved locale such as
// "fr-CA", or Default when it is empty, malformed or not supported.
func ParseLocale(locale string) language.Tag {
	if t, ok := parseMatch(locale); ok {
		return t
	}
	return Default
}

// parseMatch parses one BCP 47 tag and matches it.
func parseMatch(s string) (language.Tag, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return language.Und, false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return language.Und, false
	}
	return match(tag)
}

// keySet holds every message key, for IsKey and Printer.Text.
var keySet = func() map[string]bool {
	m := make(map[string]bool, len(source))
	for _, k := range Keys() {
		m[k] = true
	}
	return m
}()

// IsKey reports whether s is a message key.
func IsKey(s string) bool { return keySet[s] }

// Printer formats messages in one language. It is safe for concurrent use.
type Printer struct {
	tag language.Tag
	p   *message.Printer
}

// New returns the printer of the supported language closest to tag.
func New(tag language.Tag) *Printer {
	tag = Match(tag)
	return &Printer{tag: tag, p: message.NewPrinter(tag, message.Catalog(cat))}
}

// Tag returns the printer's language.
func (p *Printer) Tag() language.Tag { return p.tag }

// Lang returns the printer's language as a BCP 47 tag, for <html lang>.
func (p *Printer) Lang() string { return p.tag.String() }

// T returns the translation of key formatted with args, as fmt.Sprintf
// does; a key not in the catalogue is formatted as it is (English).
func (p *Printer) T(key string, args ...any) string {
	return p.p.Sprintf(key, args...)
}

// Text returns the translation of s when s is a message key without
// arguments, else s as it is. It translates the text that Go code puts
// into a page (an error page's title, a notice): such text is a key when
// it is fixed, and data (an address, a name) when it is not, which must
// never be read as a format.
//
// A sentence that a plural message with a single count (%d and no other
// argument) renders in English, such as "Please wait 30 seconds and try
// again.", is translated too, with its count: Go code builds such a
// sentence in English before it knows the page's language.
func (p *Printer) Text(s string) string {
	if keySet[s] && !strings.Contains(s, "%") {
		return p.p.Sprintf(s)
	}
	if key, n, ok := countedKey(s); ok {
		return p.p.Sprintf(key, n)
	}
	return s
}

// countedForm is one English form of a plural message with a single
// count, split around its %d.
type countedForm struct {
	prefix, suffix, key string
}

// countedForms are the forms of every plural message whose only verb is
// one %d, for Text.
var countedForms = func() []countedForm {
	var out []countedForm
	for _, m := range source {
		pl, ok := m.(Plural)
		if !ok || pl.Arg > 1 {
			continue
		}
		for _, f := range []string{pl.One, pl.Other} {
			before, after, found := strings.Cut(f, "%d")
			if found && !strings.Contains(before+after, "%") {
				out = append(out, countedForm{before, after, pl.Other})
			}
		}
	}
	return out
}()

// countedKey returns the key and the count of s when s is the English
// rendering of a plural message with a single count (countedForms). The
// English printer groups thousands with commas.
func countedKey(s string) (key string, n int, ok bool) {
	for _, f := range countedForms {
		if len(s) <= len(f.prefix)+len(f.suffix) || !strings.HasPrefix(s, f.prefix) || !strings.HasSuffix(s, f.suffix) {
			continue
		}
		digits := strings.ReplaceAll(s[len(f.prefix):len(s)-len(f.suffix)], ",", "")
		if n, err := strconv.Atoi(digits); err == nil && n >= 0 && len(digits) <= 9 && digits[0] != '+' && digits[0] != '-' {
			return f.key, n, true
		}
	}
	return "", 0, false
}

// Date formats t in UTC as a full date and time, for example "Friday 27
// November 2026, 03:45 UTC" or "Freitag, 27. November 2026, 03:45 UTC".
func (p *Printer) Date(t time.Time) string {
	t = t.UTC()
	// Numbers go in as strings: the printer would group the year's digits.
	return p.T(dateFormat, p.T(t.Weekday().String()), fmt.Sprint(t.Day()), p.T(t.Month().String()),
		fmt.Sprint(t.Year()), t.Format("15:04"))
}

// dateFormat is the key of the date layout; its arguments are the
// weekday, the day, the month, the year and the time.
const dateFormat = "%[1]s %[2]s %[3]s %[4]s, %[5]s UTC"
