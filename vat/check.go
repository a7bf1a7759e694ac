package vat

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// verdict is what a country's check says of a number of the right length.
type verdict int

const (
	pass      verdict = iota
	badFormat         // characters in the wrong places
	badCheck          // the check digit does not match
)

// rule is one country's syntax: the lengths of the part after the prefix,
// what its numbers look like (for messages) and the check.
type rule struct {
	lengths []int
	looks   string
	check   func(body string) verdict
}

// rules holds the rule of every prefix of countryNames; the checks are in
// the files countries_*.go.
var rules = map[string]rule{
	"AT": {[]int{9}, "U and 8 digits", checkAT},
	"BE": {[]int{10}, "10 digits starting with 0 or 1", checkBE},
	"BG": {[]int{9, 10}, "9 or 10 digits", checkBG},
	"CY": {[]int{9}, "8 digits (not starting with 2, 6, 7, 8 or 12) and a letter", checkCY},
	"CZ": {[]int{8, 9, 10}, "8, 9 or 10 digits", checkCZ},
	"DE": {[]int{9}, "9 digits, the first not 0", checkDE},
	"DK": {[]int{8}, "8 digits, the first not 0", checkDK},
	"EE": {[]int{9}, "9 digits starting with 10", checkEE},
	"EL": {[]int{9}, "9 digits", checkEL},
	"ES": {[]int{9}, "9 characters: a letter or digit, 7 digits, and a letter or digit", checkES},
	"FI": {[]int{8}, "8 digits", checkFI},
	"FR": {[]int{11}, "a two-character key (digits or letters other than I and O) and the 9-digit SIREN", checkFR},
	"HR": {[]int{11}, "11 digits", checkHR},
	"HU": {[]int{8}, "8 digits", checkHU},
	"IE": {[]int{8, 9}, "7 digits and one or two letters (or the old form: a digit, a letter, 5 digits and a letter)", checkIE},
	"IT": {[]int{11}, "11 digits", checkIT},
	"LT": {[]int{9, 12}, "9 or 12 digits", checkLT},
	"LU": {[]int{8}, "8 digits", checkLU},
	"LV": {[]int{11}, "11 digits", checkLV},
	"MT": {[]int{8}, "8 digits, the first not 0", checkMT},
	"NL": {[]int{12}, "9 digits, B and 2 digits", checkNL},
	"PL": {[]int{10}, "10 digits", checkPL},
	"PT": {[]int{9}, "9 digits, the first not 0", checkPT},
	"RO": {[]int{2, 3, 4, 5, 6, 7, 8, 9, 10}, "2 to 10 digits, the first not 0", checkRO},
	"SE": {[]int{12}, "12 digits ending in 01", checkSE},
	"SI": {[]int{8}, "8 digits, the first not 0", checkSI},
	"SK": {[]int{10}, "10 digits", checkSK},
	"XI": {[]int{5, 9, 12}, "9 or 12 digits, or GD or HA and 3 digits", checkXI},
}

// CheckSyntax checks a number in the form Normalize returns: that its
// prefix is a member state's or XI, that it has the country's length and
// form, and that its national check digit matches where the country
// publishes an algorithm. It returns nil or an *Error with the reasons
// not_eu, wrong_prefix, wrong_length, bad_format or bad_check_digit.
func CheckSyntax(normalised string) error {
	if len(normalised) < 2 || !isLetters(normalised[:2], 2) {
		return fail(ReasonWrongPrefix, fmt.Sprintf("%q does not start with a country prefix such as DE", normalised))
	}
	cc, body := normalised[:2], normalised[2:]
	r, ok := rules[cc]
	if !ok {
		return fail(ReasonNotEU, fmt.Sprintf("%s starts with %s, which is not an EU member state nor Northern Ireland (XI)", normalised, cc))
	}
	country := countryNames[cc]
	if !slices.Contains(r.lengths, len(body)) {
		return fail(ReasonWrongLength, fmt.Sprintf("%s has %d characters after %s, but VAT numbers of %s have %s", normalised, len(body), cc, country, r.looks))
	}
	switch r.check(body) {
	case badFormat:
		return fail(ReasonBadFormat, fmt.Sprintf("%s is not written like a VAT number of %s, which has %s after %s", normalised, country, r.looks, cc))
	case badCheck:
		return fail(ReasonBadCheckDigit, fmt.Sprintf("the check digit of %s does not match the rest of the number; look for a mistyped or swapped digit", normalised))
	}
	return nil
}

// digitAt returns the value of the ASCII digit s[i].
func digitAt(s string, i int) int { return int(s[i] - '0') }

// weighted returns the sum of the digits of s times the weights, digit by
// digit from the left; s has at least len(weights) digits.
func weighted(s string, weights ...int) int {
	sum := 0
	for i, w := range weights {
		sum += digitAt(s, i) * w
	}
	return sum
}

// atoi returns the value of the ASCII digits s, which are few enough to
// fit.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// judge is pass when ok and badCheck otherwise.
func judge(ok bool) verdict {
	if ok {
		return pass
	}
	return badCheck
}

// doubledSum returns the sum of the digits, every other one doubled and
// replaced by its digit sum: the first, third … when first is true, else
// the second, fourth ….
func doubledSum(digits string, first bool) int {
	sum := 0
	for i := range len(digits) {
		d := digitAt(digits, i)
		if (i%2 == 0) == first {
			d = d*2/10 + d*2%10
		}
		sum += d
	}
	return sum
}

// mod11_10 returns the check digit of ISO 7064 MOD 11,10 for the digits.
func mod11_10(digits string) int {
	p := 10
	for i := range len(digits) {
		s := (digitAt(digits, i) + p) % 10
		if s == 0 {
			s = 10
		}
		p = 2 * s % 11
	}
	return (11 - p) % 10
}

// luhn reports whether the digits pass the Luhn check (their last digit is
// the check digit).
func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := digitAt(digits, len(digits)-1-i)
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// mod97 returns s modulo 97, reading digits as themselves and letters A to
// Z as 10 to 35, as IBANs and the Dutch sole-trader numbers do.
func mod97(s string) int {
	r := 0
	for i := range len(s) {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			r = (r*100 + int(c-'A') + 10) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

// validDate reports whether year, month and day name a day of the
// calendar.
func validDate(year, month, day int) bool {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return month >= 1 && month <= 12 && t.Day() == day && int(t.Month()) == month
}

// oneOfBytes reports whether c is one of the bytes of set.
func oneOfBytes(c byte, set string) bool {
	return strings.IndexByte(set, c) >= 0
}
