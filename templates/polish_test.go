package templates

import (
	"bytes"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// render renders p in English and returns the page.
func render(t *testing.T, s *Set, p Page) string {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Render(&buf, p); err != nil {
		t.Fatalf("Render(%s) error = %v", p.PageName(), err)
	}
	return buf.String()
}

// scriptTag is the only script a page may load: gatehouse.js from the
// binary, deferred.
var scriptTag = regexp.MustCompile(`<script src="/static/gatehouse\.js\?v=[0-9a-f]+" defer></script>`)

// downloadRE finds the recovery codes' download link.
var downloadRE = regexp.MustCompile(`<a class="button secondary" href="(data:[^"]*)" download="([^"]+)">`)

func TestRecoveryCodesCanBeCopiedDownloadedAndPrinted(t *testing.T) {
	s := mustParse(t)
	p := RecoveryCodesPage{Action: "/login/finish", Codes: []string{"abcde-fghjk-mnpqr", "01234-56789-abcde"}}
	got := render(t, s, p)
	if !p.UsesScript() || !scriptTag.MatchString(got) {
		t.Errorf("the recovery codes page does not load gatehouse.js:\n%s", got)
	}
	for _, want := range []string{
		`<ul class="codes printable">`,
		"data-copy=\"abcde-fghjk-mnpqr\n01234-56789-abcde\n\"", `data-done="Copied"`, ">Copy<",
		"data-print", ">Print<", ">Download (.txt)<",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("recovery codes page does not contain %q:\n%s", want, got)
		}
	}
	m := downloadRE.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no download link:\n%s", got)
	}
	if m[2] != "gatehouse-recovery-codes.txt" {
		t.Errorf("download name = %q, want gatehouse-recovery-codes.txt", m[2])
	}
	body, ok := strings.CutPrefix(html.UnescapeString(m[1]), "data:text/plain;charset=utf-8,")
	if !ok {
		t.Fatalf("download href = %q, want a data:text/plain;charset=utf-8 URL", m[1])
	}
	text, err := url.PathUnescape(body)
	if err != nil || text != "abcde-fghjk-mnpqr\n01234-56789-abcde\n" {
		t.Errorf("download content = %q (%v), want the codes one per line", text, err)
	}
	// The buttons that need the script stay hidden until it runs.
	for _, b := range regexp.MustCompile(`<button type="button"[^>]*>`).FindAllString(got, -1) {
		if !strings.Contains(b, " hidden") {
			t.Errorf("script button %s is shown without the script", b)
		}
	}
}

func TestTOTPKeyIsGroupedWithACopyButton(t *testing.T) {
	s := mustParse(t)
	p := TOTPEnrolPage{Action: "/login/mfa/enrol", Secret: "JBSWY3DPEHPK3PXPAB"}
	got := render(t, s, p)
	for _, want := range []string{
		`<code class="secret" id="totp-secret">JBSW Y3DP EHPK 3PXP AB</code>`,
		`id="totp-copy" data-copy="JBSWY3DPEHPK3PXPAB"`, ">Copy key<",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("enrolment page does not contain %q:\n%s", want, got)
		}
	}
	if !p.UsesScript() || !scriptTag.MatchString(got) {
		t.Errorf("the enrolment page does not load gatehouse.js")
	}
}

func TestResendWait(t *testing.T) {
	s := mustParse(t)
	base := CodePage{Action: "/login/mfa", Heading: "Check your e-mail", ResendAction: "/login/mfa/send"}
	tests := []struct {
		name          string
		page          CodePage
		want, notWant []string
		script        bool
	}{
		{"no wait", base, []string{`action="/login/mfa/send"`, ">Send a new code<"}, []string{"data-countdown", "disabled"}, false},
		{"wait in seconds", with(base, func(p *CodePage) { p.ResendWait, p.ResendWaitSeconds = "You can request a new code in 25 seconds.", 25 }),
			[]string{`action="/login/mfa/send"`, `data-countdown="25"`, `You can request a new code in 25 seconds.`, `data-done="You can request a new code now."`, ">Send a new code"},
			nil, true},
		{"wait in minutes", with(base, func(p *CodePage) { p.ResendWait, p.ResendWaitSeconds = "x", 601 }),
			[]string{`data-countdown="601"`, "You can request a new code in 11 minutes."}, nil, true},
		{"wait without seconds keeps the old text", with(base, func(p *CodePage) { p.ResendWait = "You can request a new code in 25 seconds." }),
			[]string{"You can request a new code in 25 seconds."}, []string{`action="/login/mfa/send"`, "data-countdown"}, false},
		{"expired code: send a new code is the main button", with(base, func(p *CodePage) { p.HideCodeField, p.Error = true, "This code has expired. Request a new code." }),
			[]string{`<button type="submit">Send a new code</button>`}, []string{`id="code"`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, s, tt.page)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("code page does not contain %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("code page contains %q:\n%s", w, got)
				}
			}
			if tt.page.UsesScript() != tt.script || scriptTag.MatchString(got) != tt.script {
				t.Errorf("UsesScript() = %v, script tag %v, want %v", tt.page.UsesScript(), scriptTag.MatchString(got), tt.script)
			}
		})
	}
}

// with returns p changed by f.
func with(p CodePage, f func(*CodePage)) CodePage {
	f(&p)
	return p
}
