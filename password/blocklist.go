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
