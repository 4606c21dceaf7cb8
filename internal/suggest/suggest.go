// Package suggest finds the known names nearest to a mistyped one and words
// the "unknown X; did you mean Y?" errors every command gives. It is a leaf:
// lessons, quiz and labs all use it without depending on each other.
package suggest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Nearest returns up to n candidates nearest to name: those it is a prefix
// of or contained in first, then those within a small edit distance. It is
// used for every "unknown ID" error (lessons, sections, questions, labs).
func Nearest(name string, candidates []string, n int) []string {
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

// NotFoundError reports an unknown name together with the nearest known ones.
type NotFoundError struct {
	Kind        string // "lesson", "section", "question"...
	Name        string
	Suggestions []string
	// Known lists every valid name, shown when nothing is near.
	Known []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.Kind, e.Name)
	switch {
	case len(e.Suggestions) == 1:
		msg += fmt.Sprintf("; did you mean %q?", e.Suggestions[0])
	case len(e.Suggestions) > 1:
		msg += "; did you mean one of: " + strings.Join(e.Suggestions, ", ") + "?"
	case len(e.Known) > 0:
		msg += "; known: " + strings.Join(e.Known, ", ")
	}
	return msg
}

// Unknown builds the error for an unknown name of the given kind, suggesting
// up to n of the valid names nearest to it and listing them all when none is
// near.
func Unknown(kind, name string, valid []string, n int) *NotFoundError {
	return &NotFoundError{Kind: kind, Name: name, Suggestions: Nearest(name, valid, n), Known: valid}
}
