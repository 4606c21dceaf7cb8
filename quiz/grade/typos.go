package grade

import (
	"slices"
	"unicode/utf8"
)

// Candidates type fast: "asyncrhonous", "synchonous", "listner". A word
// the rubric does not know, one edit (a letter missing, extra, changed or
// two swapped) away from exactly one word it does know, is read as that
// word. Only long words are corrected, never their first letter, never
// code, names or common English words, so that "script" stays "script"
// and "hoist" is not "host".

// typoMinLen is the shortest word, in letters, that is corrected: shorter
// words have too many real neighbours.
const typoMinLen = 6

// typoIndex finds the rubric word a misspelling stands for, comparing
// both the words as written ("asynchronus" and asynchronous) and their
// stems ("synchonously" and synchronous).
type typoIndex struct {
	words, stems nearIndex
	// prefixes holds the rubric's "*" prefixes ("deprecat*"): a word that
	// starts with one mistyped ("depracated") is read as starting with it.
	prefixes nearIndex
	lens     map[byte][]int // by first letter, the distinct lengths of prefixes, ascending
}

// nearIndex maps each known string, and each of its one-letter deletions,
// to the known strings it comes from: two strings one edit apart share a
// key (the deletion index of symmetric-delete spelling correction).
type nearIndex struct {
	known   map[string]string // string -> its stem
	sources []string
	near    map[string][]int // key -> indices into sources
}

func newTypoIndex(vocab [][2]string, prefixes []string) typoIndex {
	ix := typoIndex{words: newNearIndex(), stems: newNearIndex(), prefixes: newNearIndex()}
	for _, v := range vocab {
		ix.words.add(v[0], v[1])
		ix.stems.add(v[1], v[1])
	}
	ix.lens = map[byte][]int{}
	for _, p := range prefixes {
		if !typoEligible(p) {
			continue
		}
		ix.prefixes.add(p, p)
		// A slip never changes the first letter (see plausibleTypo), so
		// only prefixes with the word's own first letter are tried.
		if ls := ix.lens[p[0]]; !slices.Contains(ls, len(p)) {
			ix.lens[p[0]] = append(ls, len(p))
		}
	}
	for _, ls := range ix.lens {
		slices.Sort(ls)
	}
	return ix
}

// correctPrefix returns the rubric prefix that the start of lower is a
// typist's slip of ("depracated" for "deprecat*"), or "". A word that
// already starts with a prefix is not a slip of another one.
func (ix typoIndex) correctPrefix(lower string) string {
	if !typoEligible(lower) || realWords[lower] {
		return ""
	}
	found := ""
	for _, l := range ix.lens[lower[0]] {
		if len(lower) >= l {
			if _, ok := ix.prefixes.known[lower[:l]]; ok {
				return ""
			}
		}
		// The slip may add or drop a letter: compare starts one letter
		// shorter and longer too.
		for n := l - 1; n <= l+1 && n <= len(lower); n++ {
			if p, ok := ix.prefixes.lookup(lower[:n]); ok && len(p) == l {
				if found != "" && found != p {
					return "" // ambiguous
				}
				found = p
			}
		}
	}
	return found
}

func newNearIndex() nearIndex {
	return nearIndex{known: map[string]string{}, near: map[string][]int{}}
}

func (n *nearIndex) add(s, stem string) {
	if _, ok := n.known[s]; ok {
		return
	}
	n.known[s] = stem
	if !typoEligible(s) {
		return
	}
	id := len(n.sources)
	n.sources = append(n.sources, s)
	n.near[s] = append(n.near[s], id)
	for _, d := range deletions(s) {
		n.near[d] = append(n.near[d], id)
	}
}

// typoEligible reports whether a word is long and plain enough to correct.
func typoEligible(s string) bool {
	if utf8.RuneCountInString(s) < typoMinLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// deletions lists s with one letter left out (s is ASCII: see typoEligible).
func deletions(s string) []string {
	out := make([]string, 0, len(s))
	for i := range len(s) {
		out = append(out, s[:i]+s[i+1:])
	}
	return out
}

// lookup returns the stem of the one known string a single edit from s,
// with the same first letter.
func (n nearIndex) lookup(s string) (string, bool) {
	if _, ok := n.known[s]; ok || !typoEligible(s) || realWords[s] {
		return "", false
	}
	found := ""
	check := func(key string) bool {
		for _, id := range n.near[key] {
			k := n.sources[id]
			if !plausibleTypo(s, k) {
				continue // the index also proposes strings two edits away
			}
			stem := n.known[k]
			if found != "" && found != stem {
				return false // ambiguous: leave the word alone
			}
			found = stem
		}
		return true
	}
	if !check(s) {
		return "", false
	}
	for _, d := range deletions(s) {
		if !check(d) {
			return "", false
		}
	}
	return found, found != ""
}

// correct returns the rubric stem a misspelled word (lower, stemmed to
// stem) stands for.
func (ix typoIndex) correct(lower, stem string) (string, bool) {
	if _, ok := ix.stems.known[stem]; ok {
		return "", false
	}
	if fixed, ok := ix.words.lookup(lower); ok {
		return fixed, true
	}
	return ix.stems.lookup(stem)
}

// realWords are English words one edit from a rubric word ("script" and
// scrypt, "strong" and string): a candidate who writes them means them.
// Both written forms and stems are listed.
var realWords = map[string]bool{
	"though": true, "strong": true, "matter": true, "logger": true, "script": true, "scripts": true,
	"project": true, "context": true, "general": true, "continu": true, "continue": true, "contain": true,
	"respond": true, "compet": true, "compete": true, "master": true, "longer": true, "protect": true,
	"content": true, "string": true, "scrypt": true, "intern": true, "intens": true, "compar": true,
	"compat": true, "replic": true, "thought": true, "through": true,
}

// plausibleTypo reports whether s is k mistyped the way fast typists do:
// two neighbours swapped ("wihtout"), or a letter of a pair typed once or
// one letter typed twice, anywhere but the first letter; or, in a word of
// eight letters or more, one letter changed, added or left out inside it.
// Edits that turn one English word into another, such as "writing" and
// "waiting" or "listened" and "listener", mostly change a short word or
// an ending, so those are never read as typos.
func plausibleTypo(s, k string) bool {
	if s[0] != k[0] || osaDistance(s, k) != 1 {
		return false
	}
	i := 0
	for i < len(s) && i < len(k) && s[i] == k[i] {
		i++
	}
	switch {
	case len(s) == len(k) && i+1 < len(s) && s[i] == k[i+1] && s[i+1] == k[i] && s[i+2:] == k[i+2:]:
		return true // swapped neighbours
	case len(s) == len(k)+1 && (i > 0 && s[i] == s[i-1] || i+1 < len(s) && s[i] == s[i+1]):
		return true // a letter doubled
	case len(k) == len(s)+1 && (i > 0 && k[i] == k[i-1] || i+1 < len(k) && k[i] == k[i+1]):
		return true // a double letter typed once
	}
	return min(len(s), len(k)) >= 8 && i >= 1 && i <= min(len(s), len(k))-3
}

// osaDistance is the optimal string alignment distance between two ASCII
// strings: insertions, deletions, substitutions and swaps of neighbours.
func osaDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// correctTypos rewrites the stems of misspelled words to the rubric words
// they stand for. Code, names and file extensions are left as written.
func (t *text) correctTypos(ix typoIndex) {
	type fix struct {
		stem   string
		ok     bool
		prefix string
	}
	seen := map[string]fix{} // an answer repeats its words: look each up once
	for i := range t.toks {
		tok := &t.toks[i]
		if tok.ident || tok.method || tok.code || tok.ext || tok.member || tok.call || t.backticked(i) {
			continue
		}
		f, done := seen[tok.lower]
		if !done {
			f.stem, f.ok = ix.correct(tok.lower, tok.stem)
			// A word the rubric knows, or a function word, is not a slip.
			if _, known := ix.stems.known[tok.stem]; !known && !tok.function && len(ix.lens[tok.lower[0]]) > 0 {
				f.prefix = ix.correctPrefix(tok.lower)
			}
			seen[tok.lower] = f
		}
		tok.prefixFix = f.prefix
		fixed, ok := f.stem, f.ok
		if !ok || fixed == tok.stem {
			continue
		}
		old := t.byStem[tok.stem]
		for k, j := range old {
			if j == i {
				t.byStem[tok.stem] = append(old[:k:k], old[k+1:]...)
				break
			}
		}
		if len(t.byStem[tok.stem]) == 0 {
			delete(t.byStem, tok.stem)
		}
		tok.stem = fixed
		t.byStem[fixed] = insertSorted(t.byStem[fixed], i)
	}
}

// backticked reports whether token i is written as inline code.
func (t *text) backticked(i int) bool {
	tok := t.toks[i]
	return tok.start > 0 && t.src[tok.start-1] == '`' || tok.end < len(t.src) && t.src[tok.end] == '`'
}

// insertSorted adds i to the ascending list xs.
func insertSorted(xs []int, i int) []int {
	k := 0
	for k < len(xs) && xs[k] < i {
		k++
	}
	xs = append(xs, 0)
	copy(xs[k+1:], xs[k:])
	xs[k] = i
	return xs
}
