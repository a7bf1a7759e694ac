package templates

import (
	"html/template"
	"net/url"
	"strings"
)

// Script is the name of the pages' script under StaticPrefix: the copy and
// print buttons and the resend countdown. Every page works without it.
const Script = "gatehouse.js"

// Scripted is a page that may load Script. When UsesScript reports true,
// the layout loads it and the page's CSP must allow script-src 'self'
// (web.Site.Render does so).
type Scripted interface {
	Page
	// UsesScript reports whether the page loads Script.
	UsesScript() bool
}

// usesScript reports whether the page data loads Script, for the layout.
func usesScript(data any) bool {
	p, ok := data.(Scripted)
	return ok && p.UsesScript()
}

// UsesScript reports whether a countdown runs on the resend button.
func (p CodePage) UsesScript() bool { return p.ResendAction != "" && p.ResendWaitSeconds > 0 }

// ResendWaitMinutes returns ResendWaitSeconds in whole minutes, rounded up.
func (p CodePage) ResendWaitMinutes() int { return (p.ResendWaitSeconds + 59) / 60 }

// UsesScript reports whether the key's copy button is shown.
func (p TOTPEnrolPage) UsesScript() bool { return p.Secret != "" }

// SecretGroups returns the secret in groups of four characters separated by
// spaces, which is easier to read and type.
func (p TOTPEnrolPage) SecretGroups() string {
	var b strings.Builder
	for i, r := range p.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UsesScript reports whether the codes' copy and print buttons are shown.
func (p RecoveryCodesPage) UsesScript() bool { return len(p.Codes) > 0 }

// Text returns the codes one per line, as copied and downloaded.
func (p RecoveryCodesPage) Text() string {
	if len(p.Codes) == 0 {
		return ""
	}
	return strings.Join(p.Codes, "\n") + "\n"
}

// DownloadURL returns a data: URL of Text as a plain-text file, for the
// download link, which works without the script.
func (p RecoveryCodesPage) DownloadURL() template.URL {
	return template.URL("data:text/plain;charset=utf-8," + url.PathEscape(p.Text()))
}

// DownloadName returns the file name of the downloaded codes without a
// branding; the pages use Branding.RecoveryFileName.
func (RecoveryCodesPage) DownloadName() string {
	return Branding{}.RecoveryFileName()
}
