package templates

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cssVarRE finds a colour custom property such as "--focus: #f59f00;".
var cssVarRE = regexp.MustCompile(`--([a-z-]+):\s*#([0-9a-fA-F]{6});`)

// schemeColours reads the colour variables of the light scheme (the first
// :root block) and of the dark scheme (the light ones overridden by the
// prefers-color-scheme: dark block) from gatehouse.css.
func schemeColours(t *testing.T) map[string]map[string]string {
	t.Helper()
	css, err := fs.ReadFile(mustParse(t).Static(), "gatehouse.css")
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	read := func(block string, into map[string]string) {
		for _, m := range cssVarRE.FindAllStringSubmatch(block, -1) {
			into[m[1]] = m[2]
		}
	}
	light, dark := map[string]string{}, map[string]string{}
	root := s[strings.Index(s, ":root {"):]
	read(root[:strings.Index(root, "}")], light)
	for k, v := range light {
		dark[k] = v
	}
	d := s[strings.Index(s, "@media (prefers-color-scheme: dark)"):]
	read(d[:strings.Index(d, "}")], dark)
	return map[string]map[string]string{"light": light, "dark": dark}
}

// luminance is the WCAG relative luminance of a hex colour.
func luminance(hex string) float64 {
	var l [3]float64
	for i := range l {
		v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is the WCAG contrast ratio of two hex colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// TestFocusRingAndInputBordersContrast checks WCAG 1.4.11 (non-text
// contrast) in the light and the dark scheme: the focus ring and the
// borders of inputs (the error colour of an invalid one too) stand out at least 3:1 from the page and the card they
// sit on, and the inputs use that border colour.
func TestFocusRingAndInputBordersContrast(t *testing.T) {
	for scheme, c := range schemeColours(t) {
		for _, fg := range []string{"focus", "input-border", "error"} {
			for _, bg := range []string{"bg", "card"} {
				if c[fg] == "" || c[bg] == "" {
					t.Fatalf("%s: gatehouse.css has no --%s or --%s", scheme, fg, bg)
				}
				if r := contrast(c[fg], c[bg]); r < 3 {
					t.Errorf("%s: --%s #%s on --%s #%s is %.2f:1, want at least 3:1", scheme, fg, c[fg], bg, c[bg], r)
				}
			}
		}
	}
	css, err := fs.ReadFile(mustParse(t).Static(), "gatehouse.css")
	if err != nil {
		t.Fatal(err)
	}
	inputs := regexp.MustCompile(`(?s)input\[type="(?:email|tel)"\][^{]*\{[^}]*\}`).FindAllString(string(css), -1)
	if len(inputs) != 2 {
		t.Fatalf("found %d input rules, want the text inputs' and the phone and file inputs'", len(inputs))
	}
	for _, rule := range inputs {
		if !strings.Contains(rule, "border: 1px solid var(--input-border)") {
			t.Errorf("input rule does not use --input-border:\n%s", rule)
		}
	}
}
