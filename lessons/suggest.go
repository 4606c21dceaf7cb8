package lessons

import (
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Suggest returns up to n candidates nearest to name: those it is a prefix
// of or contained in first, then those within a small edit distance. It is
// used for every "unknown ID" error (lessons, sections, questions, labs).
func Suggest(name string, candidates []string, n int) []string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return nil
	}
	type scored struct {
		s    string
		dist int
	}
	var hits []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if seen[lc] {
			continue
		}
		seen[lc] = true
		d := levenshtein.ComputeDistance(name, lc)
		switch {
		case strings.HasPrefix(lc, name) || strings.Contains(lc, name) || strings.Contains(name, lc) && len(lc) >= 3:
			d = 0
		case d > max(2, len(name)/3):
			continue
		}
		hits = append(hits, scored{c, d})
	}
	slices.SortStableFunc(hits, func(a, b scored) int { return a.dist - b.dist })
	out := make([]string, 0, n)
	for _, h := range hits[:min(n, len(hits))] {
		out = append(out, h.s)
	}
	return out
}
