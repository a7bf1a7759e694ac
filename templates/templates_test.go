package templates

import (
	"bytes"
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func mustParse(t *testing.T) *Set {
	t.Helper()
	s, err := Parse()
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	return s
}

func TestEveryPageRenders(t *testing.T) {
	s := mustParse(t)
	tests := []struct {
		data Page
		want []string
	}{
		{HomePage{SignedIn: true, Email: "ada@example.com"}, []string{"signed in as", "ada@example.com", `href="/logout"`}},
		{HomePage{}, []string{"not signed in"}},
		{EmailPage{AuthRequestID: "ar1", CSRFToken: "tok", Email: "ada@example.com", Error: "Enter your e-mail address."},
			[]string{`action="/login/email"`, `name="csrf" value="tok"`, `autocomplete="username"`, `type="email"`, `value="ada@example.com"`, `<label for="email">`, "Enter your e-mail address."}},
		{PasswordPage{AuthRequestID: "ar1", CSRFToken: "tok", Email: "ada@example.com", ChangeEmailURL: "/login/email?authRequestID=ar1", Error: "Incorrect e-mail or password."},
			[]string{`action="/login/password"`, `autocomplete="current-password"`, `autocomplete="username"`, `<label for="password">`, "Not you?", `href="/login/email?authRequestID=ar1"`, "Incorrect e-mail or password."}},
		{CodePage{AuthRequestID: "ar1", CSRFToken: "tok", Action: "/login/code", Heading: "Check your e-mail", Instructions: "We sent a code.", ResendAction: "/login/code/resend"},
			[]string{`autocomplete="one-time-code"`, `inputmode="numeric"`, `pattern="[0-9]{6}"`, `<label for="code">`, `action="/login/code"`, `action="/login/code/resend"`, "Check your e-mail"}},
		{CodePage{AuthRequestID: "ar1", CSRFToken: "tok", Action: "/login/mfa", Method: "sms", Heading: "Check your phone", Notice: "SMS charges may apply.",
			TrustDevice: true, ResendAction: "/login/mfa/send", ResendWait: "You can request a new code in 25 seconds.", RecoveryURL: "/login/mfa/recovery?authRequestID=ar1",
			Alternatives: []Alternative{{Label: "Send the code by e-mail instead", Action: "/login/mfa/send", Method: "email"}}},
			[]string{`name="method" value="sms"`, "SMS charges may apply.", `<label for="trust">Don't ask again on this device for 30 days</label>`, "You can request a new code in 25 seconds.",
				"Send the code by e-mail instead", `name="method" value="email"`, `href="/login/mfa/recovery?authRequestID=ar1"`, "Use a recovery code"}},
		{TOTPEnrolPage{AuthRequestID: "ar1", CSRFToken: "tok", Action: "/login/mfa/enrol", QRDataURL: "data:image/png;base64,iVBORw0KGgo=", Secret: "JBSWY3DPEHPK3PXP",
			SkipLabel: "Not now — send me a code by e-mail instead", SkipAction: "/login/mfa/send", SkipMethod: "email"},
			[]string{`src="data:image/png;base64,iVBORw0KGgo="`, `id="totp-secret">JBSW Y3DP EHPK 3PXP<`, `data-copy="JBSWY3DPEHPK3PXP"`, `autocomplete="one-time-code"`, `action="/login/mfa/enrol"`, "Not now — send me a code by e-mail instead"}},
		{RecoveryPage{AuthRequestID: "ar1", CSRFToken: "tok", Action: "/login/mfa/recovery", Error: "That recovery code is not valid."},
			[]string{`action="/login/mfa/recovery"`, `<label for="recovery-code">`, "That recovery code is not valid."}},
		{RecoveryCodesPage{AuthRequestID: "ar1", CSRFToken: "tok", Action: "/login/finish", Codes: []string{"abcde-fghjk-mnpqr", "01234-56789-abcde"}},
			[]string{"<code>abcde-fghjk-mnpqr</code>", "<code>01234-56789-abcde</code>", "only time", "I saved them — continue", `action="/login/finish"`}},
		{ContinuePage{AuthRequestID: "ar1", CSRFToken: "tok", Action: "/login/finish", Heading: "Recovery code accepted", Message: "You have 9 recovery codes left."},
			[]string{"Recovery code accepted", "You have 9 recovery codes left.", `action="/login/finish"`}},
		{ErrorPage{Title: "This sign-in has expired", Message: "It took too long.", Next: "Go back to the application and start again."},
			[]string{"This sign-in has expired", "It took too long.", "start again"}},
		{LogoutPage{LogoutID: "lo1", CSRFToken: "tok", CancelURL: "/"}, []string{"Sign out of Gatehouse?", `name="id" value="lo1"`, `name="csrf" value="tok"`, `<button type="submit">Sign out</button>`, "Cancel"}},
		{SignedOutPage{}, []string{"You are signed out"}},
		{SignedOutPage{NothingToDo: true}, []string{"Nothing to do"}},
	}
	for _, tt := range tests {
		t.Run(tt.data.PageName(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := s.Render(&buf, tt.data); err != nil {
				t.Fatalf("Render() error = %v", err)
			}
			got := buf.String()
			common := []string{`<html lang="en">`, `<meta name="viewport"`, `href="/static/gatehouse.css?v=`}
			for _, w := range append(common, tt.want...) {
				if !strings.Contains(got, w) {
					t.Errorf("page %s does not contain %q:\n%s", tt.data.PageName(), w, got)
				}
			}
			// The only script is gatehouse.js, on the pages that use it.
			if usesScript(tt.data) {
				got = scriptTag.ReplaceAllString(got, "")
			}
			if h := regexp.MustCompile(`<[^>]*\son[a-z]+=`).FindString(got); h != "" {
				t.Errorf("page %s has an inline event handler: %s", tt.data.PageName(), h)
			}
			for _, bad := range []string{"<script", "style=", "http://", "https://"} {
				if strings.Contains(got, bad) {
					t.Errorf("page %s contains %q (no scripts, inline styles or external resources)", tt.data.PageName(), bad)
				}
			}
		})
	}
}

func TestEveryInputHasALabel(t *testing.T) {
	s := mustParse(t)
	for _, p := range []Page{EmailPage{}, PasswordPage{}, CodePage{TrustDevice: true}, TOTPEnrolPage{}, RecoveryPage{}} {
		var buf bytes.Buffer
		if err := s.Render(&buf, p); err != nil {
			t.Fatalf("Render(%s) error = %v", p.PageName(), err)
		}
		html := buf.String()
		for _, id := range []string{"email", "password", "code", "trust", "recovery-code"} {
			if strings.Contains(html, `id="`+id+`"`) && !strings.Contains(html, `<label for="`+id+`">`) {
				t.Errorf("page %s: input %q has no label", p.PageName(), id)
			}
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	s := mustParse(t)
	var buf bytes.Buffer
	if err := s.Render(&buf, EmailPage{Email: `"><script>alert(1)</script>`}); err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	if strings.Contains(buf.String(), "<script>") {
		t.Errorf("Render did not escape the e-mail:\n%s", buf.String())
	}
}

// mapFS returns the embedded files as a MapFS, without the named ones.
func mapFS(t *testing.T, without ...string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatalf("walk embedded files: %v", err)
	}
	for _, w := range without {
		delete(m, w)
	}
	return m
}

func TestParseFSRequiresEveryPage(t *testing.T) {
	if _, err := ParseFS(mapFS(t)); err != nil {
		t.Fatalf("ParseFS(all files) error = %v", err)
	}
	for _, missing := range []string{"layout.html", "email.html", "password.html", "code.html", "error.html", "logout.html", "signed_out.html", "home.html",
		"totp_enrol.html", "recovery.html", "recovery_codes.html", "continue.html", "static/gatehouse.css", "static/gatehouse.js"} {
		t.Run(missing, func(t *testing.T) {
			_, err := ParseFS(mapFS(t, missing))
			if err == nil {
				t.Fatalf("ParseFS(without %s) error = nil, want an error", missing)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ParseFS(without %s) error = %v, want fs.ErrNotExist", missing, err)
			}
		})
	}
}

func TestParseFSRejectsPageWithoutContent(t *testing.T) {
	m := mapFS(t)
	m["email.html"] = &fstest.MapFile{Data: []byte(`{{define "title"}}x{{end}}`)}
	if _, err := ParseFS(m); err == nil {
		t.Fatal("ParseFS(email.html without content) error = nil, want an error")
	}
}

func TestStaticServesStylesheet(t *testing.T) {
	s := mustParse(t)
	b, err := fs.ReadFile(s.Static(), Stylesheet)
	if err != nil {
		t.Fatalf("read %s: %v", Stylesheet, err)
	}
	if !bytes.Contains(b, []byte(":focus-visible")) {
		t.Errorf("stylesheet has no visible focus style")
	}
}
