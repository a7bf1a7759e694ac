package profile

import (
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mileusna/useragent"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/web"
)

// maxDeviceName bounds the browser or system name taken from a
// User-Agent, in characters: the header is the client's to choose.
const maxDeviceName = 40

// deviceLabel names the browser and the system of a session's User-Agent
// in p's language, for example "Chrome on Linux", instead of showing the
// raw header; "Unknown browser" when it names neither.
func deviceLabel(p *i18n.Printer, ua string) string {
	parsed := useragent.Parse(ua)
	name, system := clipName(parsed.Name), clipName(parsed.OS)
	switch {
	case name != "" && system != "":
		return p.T("%s on %s", name, system)
	case name != "":
		return name
	case system != "":
		return p.T("%s on %s", p.T("Unknown browser"), system)
	}
	return p.T("Unknown browser")
}

// clipName drops control characters from s and cuts it to maxDeviceName
// characters, marking a cut with an ellipsis.
func clipName(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s))
	if utf8.RuneCountInString(s) <= maxDeviceName {
		return s
	}
	return string([]rune(s)[:maxDeviceName]) + "…"
}

// printer returns the printer of the page's language (web.Lang), for the
// text the profile formats in Go: dates and device names.
func (d *base) printer(r *http.Request) *i18n.Printer {
	return i18n.New(web.Lang(r, d.site.DefaultLanguage()))
}

// formatDate formats t in p's language for the profile, or "" for a zero
// time.
func formatDate(p *i18n.Printer, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.Date(t)
}
