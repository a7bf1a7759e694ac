package console

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// nextRE finds a "more" link of a console page.
var nextRE = regexp.MustCompile(`<a href="(/console\?[^"]*(?:after|before)=[^"]*)">`)

// nextLink returns the page's link to the next page, or "".
func nextLink(p page) string {
	m := nextRE.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestMembersAndAuditArePaged: with 60 more members, the users fill
// four pages and the account's audit log two; walking the next links
// shows every item once, and the last page has no next link.
func TestMembersAndAuditArePaged(t *testing.T) {
	f := newFixture(t)
	for i := range 60 {
		u := f.user(fmt.Sprintf("M%02d", i), fmt.Sprintf("m%02d@example.com", i))
		f.add(f.acme, u, storage.RoleDefault)
		f.clock.Advance(time.Second)
	}
	b := f.signIn(f.ada)
	tests := []struct {
		tab, item    string
		pages, total int
	}{
		{templates.ConsoleTabUsers, "<li><strong>", 4, 64},
		// Acme's creation, the three members of the fixture and 60 more.
		{templates.ConsoleTabAudit, "<li>", 2, 64},
	}
	for _, tt := range tests {
		t.Run(tt.tab, func(t *testing.T) {
			seen := map[string]bool{}
			pages := 0
			for path := tabPath(tt.tab, ""); path != ""; pages++ {
				if pages > tt.pages {
					t.Fatalf("more than %d pages", tt.pages)
				}
				p := b.get(path)
				wantPage(t, p, http.StatusOK)
				for _, line := range strings.Split(section(p.body), "\n") {
					if !strings.HasPrefix(line, tt.item) {
						continue
					}
					if seen[line] {
						t.Errorf("%q is on two pages", line)
					}
					seen[line] = true
				}
				path = nextLink(p)
			}
			if pages != tt.pages || len(seen) != tt.total {
				t.Errorf("%d pages with %d items, want %d with %d", pages, len(seen), tt.pages, tt.total)
			}
		})
	}
}

// section returns the first list of a page's tab: its members or events.
func section(body string) string {
	for _, class := range []string{`<ul class="members">`, `<ul class="audit">`} {
		if i := strings.Index(body, class); i >= 0 {
			rest := body[i:]
			if j := strings.Index(rest, "</ul>"); j >= 0 {
				return rest[:j]
			}
		}
	}
	return ""
}
