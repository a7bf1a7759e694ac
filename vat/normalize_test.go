package vat

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, number, country string
		want                  string
		reason                Reason // "" means no error
	}{
		{"as is", "DE136695976", "DE", "DE136695976", ""},
		{"lower case", "de136695976", "de", "DE136695976", ""},
		{"spaces", " DE 136 695 976 ", "DE", "DE136695976", ""},
		{"dots", "BE 0403.019.261", "BE", "BE0403019261", ""},
		{"dashes", "ATU-135-856-27", "AT", "ATU13585627", ""},
		{"unicode dash and no-break space", "FR\u00a040\u2013303265045", "FR", "FR40303265045", ""},
		{"zero-width space pasted along", "DK1358\u200b5628", "DK", "DK13585628", ""},
		{"tab and newline", "PL\t8567346215\n", "PL", "PL8567346215", ""},
		{"missing prefix added", "136695976", "DE", "DE136695976", ""},
		{"prefix taken without country", "nl004495445b01", "", "NL004495445B01", ""},
		{"greece by country gr", "094259216", "gr", "EL094259216", ""},
		{"greece written gr", "GR094259216", "GR", "EL094259216", ""},
		{"greece written gr without country", "GR 094259216", "", "EL094259216", ""},
		{"greece by country el", "EL094259216", "EL", "EL094259216", ""},
		{"northern ireland", "XI 980 7806 84", "XI", "XI980780684", ""},
		{"northern ireland authority without prefix", "gd100", "XI", "XIGD100", ""},
		{"french letter key without prefix", "K7399859412", "FR", "FRK7399859412", ""},
		{"french key that looks like a prefix", "DE303265045", "FR", "FRDE303265045", ""},
		{"old belgian 9 digits", "BE403019261", "BE", "BE0403019261", ""},
		{"irish plus", "ie1+23456a", "IE", "IE1+23456A", ""},
		{"empty", "", "DE", "", ReasonEmpty},
		{"only separators", " .-. ", "DE", "", ReasonEmpty},
		{"prefix only", "DE", "DE", "", ReasonWrongLength},
		{"no prefix no country", "136695976", "", "", ReasonWrongPrefix},
		{"prefix of another country", "FR40303265045", "DE", "", ReasonWrongPrefix},
		{"gb prefix for a german", "GB980780684", "DE", "", ReasonWrongPrefix},
		{"gb prefix for northern ireland", "GB980780684", "XI", "", ReasonWrongPrefix},
		{"gb prefix alone", "GB980780684", "", "", ReasonNotEU},
		{"country not in the eu", "CHE123456789", "CH", "", ReasonNotEU},
		{"country gb", "980780684", "GB", "", ReasonNotEU},
		{"country not a code", "136695976", "Germany", "", ReasonBadFormat},
		{"country with accent", "136695976", "dé", "", ReasonBadFormat},
		{"slash", "DE136/695976", "DE", "", ReasonBadFormat},
		{"comma", "DE136,695,976", "DE", "", ReasonBadFormat},
		{"letter with accent", "DÉ136695976", "DE", "", ReasonBadFormat},
		{"fullwidth digit", "DE１36695976", "DE", "", ReasonBadFormat},
		{"far too long", strings.Repeat("1", 40), "DE", "", ReasonWrongLength},
		{"far too long with separators", strings.Repeat(" ", 500) + "1", "DE", "", ReasonWrongLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.number, tt.country)
			if r := ReasonOf(err); r != tt.reason {
				t.Fatalf("Normalize(%q, %q) = %q, %v (reason %q); want reason %q", tt.number, tt.country, got, err, r, tt.reason)
			}
			if err != nil {
				if got != "" || err.Error() == "" {
					t.Errorf("Normalize(%q, %q) = %q, %q; want \"\" and a message", tt.number, tt.country, got, err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("Normalize(%q, %q) = %q, want %q", tt.number, tt.country, got, tt.want)
			}
		})
	}
}

func TestIsEU(t *testing.T) {
	for _, c := range []string{"AT", "de", "GR", "EL", "XI", " fr "} {
		if !IsEU(c) {
			t.Errorf("IsEU(%q) = false, want true", c)
		}
	}
	for _, c := range []string{"", "GB", "CH", "NO", "US", "EU", "D"} {
		if IsEU(c) {
			t.Errorf("IsEU(%q) = true, want false", c)
		}
	}
	if n := len(countryNames); n != 28 {
		t.Errorf("%d countries, want the 27 member states and XI", n)
	}
}
