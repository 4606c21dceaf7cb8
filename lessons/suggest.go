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
		edits := levenshtein.ComputeDistance(name, lc)
		// Scores are doubled edit distances, so a swap of two letters
		// (q41 for q14), which Levenshtein counts as two edits, can rank
		// between an exact prefix and a one-letter typo.
		d := 2 * edits
		switch {
		case strings.HasPrefix(lc, name) || strings.Contains(lc, name) || strings.Contains(name, lc) && len(lc) >= 3:
			d = 0
		case sameLetters(name, lc):
			d = 1
		case edits > max(2, len(name)/3):
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

// sameLetters reports whether a and b are anagrams: a typing slip that
// swapped letters.
func sameLetters(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	slices.Sort(ra)
	slices.Sort(rb)
	return slices.Equal(ra, rb)
}
