package vat

import "testing"

// addSeeds adds every number of the tables, with and without country.
func addSeeds(f *testing.F) {
	for cc, tc := range countryCases {
		for _, n := range tc.valid {
			f.Add(n, cc)
			f.Add(n[2:], cc)
		}
		for _, b := range tc.bad {
			f.Add(b.number, "")
		}
	}
	f.Add(" gr 094.259-216 ", "GR")
	f.Add("K7399859412", "FR")
}

// FuzzNormalize checks that Normalize never panics, that every error is
// an *Error with a reason and a message, and that a result normalises to
// itself again, with the same country and with none.
func FuzzNormalize(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, number, country string) {
		got, err := Normalize(number, country)
		if err != nil {
			if ReasonOf(err) == "" || err.Error() == "" {
				t.Fatalf("Normalize(%q, %q) error %v has no reason or message", number, country, err)
			}
			return
		}
		for _, c := range []string{country, ""} {
			again, err := Normalize(got, c)
			if err != nil || again != got {
				t.Fatalf("Normalize(Normalize(%q, %q) = %q, %q) = %q, %v; want it unchanged", number, country, got, c, again, err)
			}
		}
	})
}

// FuzzCheck checks that CheckSyntax never panics on anything, normalised
// or not, and that its errors have a reason and a message.
func FuzzCheck(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, number, country string) {
		for _, n := range []string{number, country + number} {
			if err := CheckSyntax(n); err != nil && (ReasonOf(err) == "" || err.Error() == "") {
				t.Fatalf("CheckSyntax(%q) error %v has no reason or message", n, err)
			}
		}
		if n, err := Normalize(number, country); err == nil {
			if err := CheckSyntax(n); err != nil && ReasonOf(err) == "" {
				t.Fatalf("CheckSyntax(%q) error %v has no reason", n, err)
			}
		}
	})
}
