package grade

// An experimental misconception detector whose weights are learned from the
// labelled data instead of written as forms (see
// testdata/learned-experiment.md). Nothing in the shipped grader calls it:
// Grade ignores it, and only the tests in learned_test.go train and measure
// it. It reads the engine's own analysis of a sentence (stems after synonym
// folding and typo correction, negation, quotation, distance, questions) and
// scores it with one logistic-regression model per misconception.

import (
	"hash/fnv"
	"math"
	"strconv"
)

// learnedDim is the size of the hashed feature space.
const learnedDim = 1 << 18

// learnedVariant picks a feature set while the experiment tunes it: bit 1
// drops the unmarked unigrams, bit 2 adds skip-bigrams, bit 4 adds the
// previous sentence's stems.
var learnedVariant = 0

// learnedSentence is the hashed features of one sentence of an answer.
type learnedSentence struct {
	from, to int // byte offsets into the graded text
	feats    []uint32
}

// learnedModel holds, per "question/misconception" key, a sparse weight
// vector (feature -> weight) and its bias.
type learnedModel struct {
	Weights map[string]map[uint32]float32 `json:"weights"`
	Bias    map[string]float32            `json:"bias"`
}

func learnedHash(parts ...string) uint32 {
	h := fnv.New32a()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return h.Sum32() % learnedDim
}

// learnedSentences analyzes answer as Grade does and returns the features
// of each sentence.
func (g *Grader) learnedSentences(answer string) []learnedSentence {
	src, _, _ := prepare(answer)
	t := analyze(src, g.synonyms)
	t.correctTypos(g.typos)
	if len(t.toks) == 0 {
		return nil
	}
	// Group clauses by sentence.
	type span struct{ from, to, first, last int }
	var sents []span
	for ci, cl := range t.clauses {
		if n := len(sents); n > 0 && t.clauses[sents[n-1].last].sentence == cl.sentence {
			sents[n-1].to = cl.to
			sents[n-1].last = ci
			continue
		}
		sents = append(sents, span{cl.from, cl.to, ci, ci})
	}
	distanced := func(si int) bool {
		if si < 0 || si >= len(sents) {
			return false
		}
		for ci := sents[si].first; ci <= sents[si].last; ci++ {
			if t.clauses[ci].distance {
				return true
			}
		}
		return false
	}
	out := make([]learnedSentence, 0, len(sents))
	for si, s := range sents {
		fs := make([]uint32, 0, 4*(s.to-s.from)+8)
		add := func(parts ...string) { fs = append(fs, learnedHash(parts...)) }
		add("bias")
		if distanced(si - 1) {
			add("F", "prevDistance")
		}
		if distanced(si + 1) {
			add("F", "nextDistance")
		}
		for ci := s.first; ci <= s.last; ci++ {
			cl := t.clauses[ci]
			for _, f := range []struct {
				on   bool
				name string
			}{{cl.question, "question"}, {cl.distance, "distance"}, {cl.afterColon, "afterColon"}, {cl.code, "code"}, {cl.listLike, "list"}, {cl.bullet, "bullet"}, {cl.answers, "answers"}} {
				if f.on {
					add("F", f.name)
				}
			}
		}
		if learnedVariant&4 != 0 && si > 0 {
			for i := sents[si-1].from; i < sents[si-1].to; i++ {
				add("p", t.toks[i].stem)
			}
		}
		prev, prev2 := "<s>", "<s>"
		negOn := false
		clauseAt := -1
		for i := s.from; i < s.to; i++ {
			tok := t.toks[i]
			if tok.clause != clauseAt {
				clauseAt, negOn = tok.clause, false
			}
			cl := t.clauses[tok.clause]
			mark := ""
			switch {
			case tok.quoted || cl.distance || cl.question || tok.negRaised:
				mark = "r"
			case negOn:
				mark = "n"
			}
			if tok.neg {
				add("NEG", mark)
				negOn = true
			}
			stem := tok.stem
			if tok.code {
				stem = "c:" + stem
			}
			if learnedVariant&1 == 0 {
				add("u", stem)
			}
			add("m", mark, stem)
			add("b", mark, prev, stem)
			if learnedVariant&2 != 0 {
				add("s", mark, prev2, stem)
			}
			prev2, prev = prev, stem
		}
		add("b", "", prev, "</s>")
		add("len", strconv.Itoa(min(s.to-s.from, 40)/5))
		out = append(out, learnedSentence{from: t.toks[s.from].start, to: t.toks[s.to-1].end, feats: fs})
	}
	return out
}

// learnedLogit is the raw score of one sentence for one misconception key.
func (m *learnedModel) learnedLogit(key string, feats []uint32) float64 {
	w := m.Weights[key]
	z := float64(m.Bias[key])
	for _, f := range feats {
		z += float64(w[f])
	}
	return z
}

// learnedScores returns, per misconception of the grader (by index), the
// highest logit over the answer's sentences. q is the question ID the model
// was trained under.
func (g *Grader) learnedScores(m *learnedModel, q string, sents []learnedSentence) []float64 {
	out := make([]float64, len(g.misconceptions))
	for mi := range g.misconceptions {
		key := q + "/" + g.misconceptions[mi].ID
		best := math.Inf(-1)
		if _, ok := m.Weights[key]; ok {
			for _, s := range sents {
				best = max(best, m.learnedLogit(key, s.feats))
			}
		}
		out[mi] = best
	}
	return out
}
