package vat

import (
	"fmt"
	"strings"
	"testing"
)

// countryCase lists, for one prefix, numbers that pass and numbers that
// fail. The valid numbers are published examples or real numbers, each
// checked by hand against the definition in the doc comment of the
// country's check function; cyValid and fiValid compute more.
type countryCase struct {
	valid []string
	bad   []badCase
}

// badCase is a number CheckSyntax refuses, and why.
type badCase struct {
	number string
	reason Reason
}

// Shorter names for the table.
const (
	rLen    = ReasonWrongLength
	rFormat = ReasonBadFormat
	rCheck  = ReasonBadCheckDigit
)

var countryCases = map[string]countryCase{
	"AT": {[]string{"ATU13585627", "ATU10223006", "ATU12011204"},
		[]badCase{{"ATU13585626", rCheck}, {"ATU1358562", rLen}, {"AT013585627", rFormat}, {"ATU1358562X", rFormat}}},
	"BE": {[]string{"BE0403019261", "BE0202239951", "BE0411905847"},
		[]badCase{{"BE0403019262", rCheck}, {"BE04030192610", rLen}, {"BE2403019261", rFormat}, {"BE04030192A1", rFormat}}},
	"BG": {[]string{"BG175074752", "BG131134023", "BG7523169263"},
		[]badCase{{"BG175074753", rCheck}, {"BG17507475", rLen}, {"BG17507475A", rFormat}, {"BG7523169264", rCheck}}},
	"CY": {[]string{"CY10259033P", "CY10111474A", cyValid("30010823"), cyValid("90000015")},
		[]badCase{{"CY10259033Q", rCheck}, {"CY1025903P", rLen}, {"CY20259033P", rFormat}, {"CY12259033P", rFormat}, {"CY102590331", rFormat}}},
	"CZ": {[]string{"CZ25123891", "CZ7103192745", "CZ640903926", "CZ46505334", "CZ6306150004"},
		[]badCase{{"CZ25123892", rCheck}, {"CZ7103192746", rCheck}, {"CZ1234567", rLen}, {"CZ95123891", rFormat}, {"CZ7113192745", rFormat}, {"CZ991231123", rFormat}}},
	"DE": {[]string{"DE136695976", "DE129273398", "DE111111125", "DE811128135"},
		[]badCase{{"DE136695977", rCheck}, {"DE13669597", rLen}, {"DE036695976", rFormat}, {"DE13669597X", rFormat}}},
	"DK": {[]string{"DK13585628", "DK88146328", "DK10150817"},
		[]badCase{{"DK13585627", rCheck}, {"DK1358562", rLen}, {"DK03585628", rFormat}}},
	"EE": {[]string{"EE100931558", "EE100594102", "EE100207415"},
		[]badCase{{"EE100931559", rCheck}, {"EE10093155", rLen}, {"EE200931558", rFormat}}},
	"EL": {[]string{"EL094259216", "EL123456783", "EL094014201"},
		[]badCase{{"EL094259217", rCheck}, {"EL09425921", rLen}, {"EL09425921A", rFormat}}},
	"ES": {[]string{"ESA13585625", "ESB58378431", "ESX5253868R", "ES54362315K", "ESA78304516", "ESQ2818015F", "ESM1234567L"},
		[]badCase{{"ESA13585626", rCheck}, {"ES54362315L", rCheck}, {"ESX5253868S", rCheck}, {"ESQ2818015G", rCheck},
			{"ESA1358562", rLen}, {"ESI13585625", rFormat}, {"ES5436231KK", rFormat}}},
	"FI": {[]string{"FI20774740", "FI09853608", fiValid("0108910"), fiValid("1572860")},
		[]badCase{{"FI20774741", rCheck}, {"FI2077474", rLen}, {"FI2077474A", rFormat}}},
	"FR": {[]string{"FR40303265045", "FR23334175221", "FRK7399859412", "FR00300076965", "FR61954506077"},
		[]badCase{{"FR41303265045", rCheck}, {"FRK8399859412", rCheck}, {"FR4030326504", rLen}, {"FRIO303265045", rFormat}, {"FR4030326504A", rFormat}}},
	"HR": {[]string{"HR33392005961", "HR23448731483", "HR38192148118"},
		[]badCase{{"HR33392005962", rCheck}, {"HR3339200596", rLen}, {"HR3339200596A", rFormat}}},
	"HU": {[]string{"HU12892312", "HU10597190", "HU21376414"},
		[]badCase{{"HU12892313", rCheck}, {"HU128923121", rLen}, {"HU1289231A", rFormat}}},
	"IE": {[]string{"IE6433435F", "IE8D79739I", "IE3628739UA", "IE8Z49289F", "IE4550159S", "IE1234567FA"},
		[]badCase{{"IE6433435G", rCheck}, {"IE8D79739J", rCheck}, {"IE3628739UB", rCheck}, {"IE643343F", rLen}, {"IE6433435FZ", rFormat}, {"IE64334351", rFormat}}},
	"IT": {[]string{"IT00743110157", "IT01114601006", "IT00488410010", "IT12345670017"},
		[]badCase{{"IT00743110158", rCheck}, {"IT0074311015", rLen}, {"IT00743113007", rFormat}, {"IT00000000000", rFormat}}},
	"LT": {[]string{"LT119511515", "LT100001919017", "LT100004801610", "LT290061371314"},
		[]badCase{{"LT119511516", rCheck}, {"LT100001919018", rCheck}, {"LT11951151", rLen}, {"LT119511525", rFormat}}},
	"LU": {[]string{"LU15027442", "LU10000356", "LU20260743"},
		[]badCase{{"LU15027443", rCheck}, {"LU1502744", rLen}, {"LU1502744A", rFormat}}},
	"LV": {[]string{"LV40003521600", "LV16117519997", "LV40003009497", "LV32579461005"},
		[]badCase{{"LV40003521601", rCheck}, {"LV16117519998", rCheck}, {"LV4000352160", rLen}, {"LV16137519997", rFormat}}},
	"MT": {[]string{"MT11679112", "MT20200019", "MT15121333"},
		[]badCase{{"MT11679113", rCheck}, {"MT1167911", rLen}, {"MT01679112", rFormat}}},
	"NL": {[]string{"NL004495445B01", "NL123456782B90", "NL000099998B57", "NL002455799B11"},
		[]badCase{{"NL004495446B01", rCheck}, {"NL000099998B58", rCheck}, {"NL004495445B1", rLen}, {"NL004495445A01", rFormat}, {"NL00449544XB01", rFormat}}},
	"PL": {[]string{"PL8567346215", "PL5260250995", "PL1132191233"},
		[]badCase{{"PL8567346216", rCheck}, {"PL856734621", rLen}, {"PL856734621A", rFormat}}},
	"PT": {[]string{"PT501964843", "PT502011378", "PT980405319"},
		[]badCase{{"PT501964844", rCheck}, {"PT50196484", rLen}, {"PT001964843", rFormat}}},
	"RO": {[]string{"RO18547290", "RO11198699", "RO14186770", "RO24736200"},
		[]badCase{{"RO18547291", rCheck}, {"RO1", rLen}, {"RO185472901", rCheck}, {"RO08547290", rFormat}, {"RO12345678901", rLen}}},
	"SE": {[]string{"SE556188840401", "SE123456789701", "SE556043606401"},
		[]badCase{{"SE556188840501", rCheck}, {"SE5561888404", rLen}, {"SE556188840400", rFormat}}},
	"SI": {[]string{"SI50223054", "SI15012557", "SI59082437"},
		[]badCase{{"SI50223055", rCheck}, {"SI5022305", rLen}, {"SI05022305", rFormat}}},
	"SK": {[]string{"SK2022749619", "SK4030000007", "SK2020273893"},
		[]badCase{{"SK2022749618", rCheck}, {"SK202274961", rLen}, {"SK2012749619", rFormat}}},
	"XI": {[]string{"XI980780684", "XI100190874", "XI242338087388", "XI434031494", "XIGD100", "XIHA500"},
		[]badCase{{"XI980780685", rCheck}, {"XI98078068", rLen}, {"XIGD500", rFormat}, {"XIHA499", rFormat}, {"XI98078068A", rFormat}}},
}

// cyValid completes 8 Cypriot digits with their check letter, computed in
// the test from the definition (odd places through the table 1, 0, 5, 7,
// 9, 13, 15, 17, 19, 21; the sum modulo 26 as a letter).
func cyValid(digits string) string {
	odd := []int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21}
	sum := 0
	for i, c := range digits {
		if i%2 == 0 {
			sum += odd[c-'0']
		} else {
			sum += int(c - '0')
		}
	}
	return "CY" + digits + string(rune('A'+sum%26))
}

// fiValid completes 7 Finnish digits with their check digit, computed in
// the test from the definition (weights 7, 9, 10, 5, 8, 4, 2; 11 minus the
// sum modulo 11, or 0).
func fiValid(digits string) string {
	sum := 0
	for i, w := range []int{7, 9, 10, 5, 8, 4, 2} {
		sum += int(digits[i]-'0') * w
	}
	return fmt.Sprintf("FI%s%d", digits, (11-sum%11)%11)
}

// TestCheckSyntax runs the table: every valid number passes, every bad one
// fails for its reason, and no country has fewer than three of each.
func TestCheckSyntax(t *testing.T) {
	if len(countryCases) != len(rules) {
		t.Errorf("the table has %d countries, the rules %d", len(countryCases), len(rules))
	}
	for cc, tc := range countryCases {
		t.Run(cc, func(t *testing.T) {
			if _, ok := rules[cc]; !ok {
				t.Fatalf("no rule for %s", cc)
			}
			if len(tc.valid) < 3 || len(tc.bad) < 3 {
				t.Errorf("%s has %d valid and %d bad numbers, want at least 3 of each", cc, len(tc.valid), len(tc.bad))
			}
			for _, n := range tc.valid {
				if !strings.HasPrefix(n, cc) {
					t.Errorf("valid %s is filed under %s", n, cc)
				}
				if err := CheckSyntax(n); err != nil {
					t.Errorf("CheckSyntax(%s) = %v, want nil", n, err)
				}
			}
			for _, b := range tc.bad {
				err := CheckSyntax(b.number)
				if got := ReasonOf(err); got != b.reason {
					t.Errorf("CheckSyntax(%s) = %v (%q), want reason %q", b.number, err, got, b.reason)
				}
				if err != nil && !strings.Contains(err.Error(), b.number) && b.reason != rCheck {
					t.Errorf("CheckSyntax(%s) message %q does not name the number", b.number, err)
				}
			}
		})
	}
}

// TestWrongPrefix checks, for every country, that its valid numbers are
// refused under another billing country, and under a prefix of no member
// state.
func TestWrongPrefix(t *testing.T) {
	for cc, tc := range countryCases {
		other := "DE"
		if cc == "DE" {
			other = "AT"
		}
		for _, n := range tc.valid {
			if _, err := Normalize(n, other); ReasonOf(err) != ReasonWrongPrefix {
				t.Errorf("Normalize(%s, %s) = %v, want %s", n, other, err, ReasonWrongPrefix)
			}
			if err := CheckSyntax("GB" + n[2:]); ReasonOf(err) != ReasonNotEU {
				t.Errorf("CheckSyntax(GB%s) = %v, want %s", n[2:], err, ReasonNotEU)
			}
			if got, err := Normalize(n[2:], cc); err != nil || got != n {
				t.Errorf("Normalize(%s, %s) = %q, %v; want %s (the prefix added)", n[2:], cc, got, err, n)
			}
		}
	}
}

// TestCheckSyntaxBadInput feeds CheckSyntax what Normalize never returns.
func TestCheckSyntaxBadInput(t *testing.T) {
	tests := []struct {
		in   string
		want Reason
	}{
		{"", ReasonWrongPrefix},
		{"D", ReasonWrongPrefix},
		{"12345", ReasonWrongPrefix},
		{"de136695976", ReasonWrongPrefix},
		{"DE", ReasonWrongLength},
		{"US123456789", ReasonNotEU},
		{"GR094259216", ReasonNotEU}, // Normalize turns GR into EL
		{"DE 136695976", ReasonWrongLength},
	}
	for _, tt := range tests {
		if got := ReasonOf(CheckSyntax(tt.in)); got != tt.want {
			t.Errorf("CheckSyntax(%q) reason = %q, want %q", tt.in, got, tt.want)
		}
	}
}
