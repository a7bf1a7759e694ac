package vat

import (
	"fmt"
	"strings"
	"unicode"
)

// maxInput bounds how many characters Normalize looks at: the longest VAT
// number has 14, so anything much longer is refused before any work.
const maxInput = 32

// countryNames are the VAT prefixes this package knows, with the name used
// in messages: the 27 member states (Greece as EL) and XI.
var countryNames = map[string]string{
	"AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CY": "Cyprus", "CZ": "Czechia",
	"DE": "Germany", "DK": "Denmark", "EE": "Estonia", "EL": "Greece", "ES": "Spain",
	"FI": "Finland", "FR": "France", "HR": "Croatia", "HU": "Hungary", "IE": "Ireland",
	"IT": "Italy", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MT": "Malta",
	"NL": "the Netherlands", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden",
	"SI": "Slovenia", "SK": "Slovakia", "XI": "Northern Ireland",
}

// IsEU reports whether country, an ISO 3166-1 alpha-2 code in any case, is
// one of the 27 member states or XI, the countries whose business accounts
// need a VAT number. GR and EL both name Greece.
func IsEU(country string) bool {
	_, ok := countryNames[Prefix(country)]
	return ok
}

// Prefix returns the VAT prefix of a billing country: the code upper-cased
// and trimmed, with Greece's GR as EL.
func Prefix(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if c == "GR" {
		return "EL"
	}
	return c
}

// Normalize returns number in the form VIES and CheckSyntax take: upper
// case, without spaces, dots, dashes or invisible formatting characters,
// and with the two-letter VAT prefix of country ("DE123456789"). A number
// typed without its prefix gets the country's; one typed with a prefix
// must match country. Country is the billing country as ISO 3166-1
// alpha-2 (GR and EL both mean Greece); when it is empty the number must
// carry its prefix. A Belgian number of 9 digits gets its leading 0.
//
// Normalize checks only what it needs; CheckSyntax checks the rest. Its
// errors are *Error with the reasons empty, not_eu, wrong_prefix,
// wrong_length or bad_format. Normalising a result again, with the same
// country or none, returns it unchanged.
func Normalize(number, country string) (string, error) {
	s, err := clean(number)
	if err != nil {
		return "", err
	}
	cc := Prefix(country)
	if cc != "" && !isLetters(cc, 2) {
		return "", fail(ReasonBadFormat, fmt.Sprintf("the country %q is not a two-letter ISO 3166 code such as DE", country))
	}
	if cc != "" && !IsEU(cc) {
		return "", fail(ReasonNotEU, fmt.Sprintf("%s is not an EU member state nor Northern Ireland (XI), where VAT numbers are checked", cc))
	}
	cc, body, err := splitPrefix(s, cc)
	if err != nil {
		return "", err
	}
	if body == "" {
		return "", fail(ReasonWrongLength, fmt.Sprintf("%s has nothing after its country prefix", s))
	}
	if cc == "BE" && len(body) == 9 && isDigits(body) {
		body = "0" + body // the old 9-digit form of the same number
	}
	return cc + body, nil
}

// clean upper-cases s and removes separators, refusing what no VAT number
// contains.
func clean(s string) (string, error) {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n++; n > 4*maxInput {
			break
		}
		switch {
		case r == '.' || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || unicode.Is(unicode.Cf, r):
			continue // separators and invisible characters pasted along
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '+', r == '*':
		default:
			return "", fail(ReasonBadFormat, fmt.Sprintf("a VAT number has only letters and digits, not %q", r))
		}
		b.WriteRune(r)
	}
	out := b.String()
	switch {
	case len(out) > maxInput || n > 4*maxInput:
		return "", fail(ReasonWrongLength, "the VAT number given is far too long: VAT numbers have at most 14 characters")
	case out == "":
		return "", fail(ReasonEmpty, "no VAT number was given")
	}
	return out, nil
}

// splitPrefix returns the prefix and the rest of s, which has the prefix
// cc or none; cc is "" when the billing country is not known.
func splitPrefix(s, cc string) (prefix, body string, err error) {
	if len(s) < 2 || !isLetters(s[:2], 2) || lettersInBody(s, cc) {
		if cc == "" {
			return "", "", fail(ReasonWrongPrefix, fmt.Sprintf("%s has no country prefix such as DE; add it, or give the billing country", s))
		}
		return cc, s, nil
	}
	p := Prefix(s[:2])
	switch {
	case p == cc || cc == "" && IsEU(p):
		return p, s[2:], nil
	case cc == "":
		return "", "", fail(ReasonNotEU, fmt.Sprintf("%s starts with %s, which is not an EU member state nor Northern Ireland (XI)", s, s[:2]))
	}
	return "", "", fail(ReasonWrongPrefix, fmt.Sprintf("%s starts with %s, but the billing country is %s (%s); VAT numbers there start with %s",
		s, s[:2], countryNames[cc], cc, cc))
}

// lettersInBody reports whether s, which starts with two letters, is a
// number of country cc without its prefix: a French number whose key is
// letters, or a Northern Ireland government or health authority number.
func lettersInBody(s, cc string) bool {
	switch cc {
	case "FR":
		return len(s) == 11 && s[:2] != "FR"
	case "XI":
		return len(s) == 5 && (s[:2] == "GD" || s[:2] == "HA")
	}
	return false
}

// isLetters reports whether s is n ASCII letters A to Z.
func isLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
