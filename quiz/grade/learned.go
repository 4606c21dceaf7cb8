package grade

// The learned misconception detector (testdata/learned-experiment.md and
// content/quiz/README.md): one logistic-regression model per (question,
// misconception) over hashed features of each sentence, read from the
// engine's own analysis (stems after synonym folding and typo correction,
// negation, quotation, distance, questions). Grade uses it as a gate on the
// forms: a form's flag stands only when the detector scores that
// misconception above LearnedLow, and the detector flags a misconception
// on its own when a sentence scores above LearnedHigh.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The gate's thresholds, on a sentence's logit (testdata/learned-experiment.md).
// They were chosen on dev9 and dev10, against the forms as they were when
// each split was sealed, at the gentlest point that keeps the probe,
// paraphrase and false-positive tests green. Round 13 moved the veto from
// -8 to -10: on the unseen dev11 and dev12 the two gave the same numbers,
// and the detector retrained on them scores one probe of require-async at
// -8.4.
//
// Round 16 added a firmer veto, LearnedVeto, for answers that state at
// least LearnedVetoConcepts of the question's concepts: on the sealed
// splits of rounds 11-15, scored by a detector trained without them and
// the forms as each was sealed, it cut false alarms from 4.4% to 1.5% for
// 0.8 points of recall. Thinner answers keep LearnedLow, so the issue's
// one-sentence probes, which the detector scores between -4 and -6, are
// still flagged.
const (
	LearnedLow          = -10.0
	LearnedVeto         = -4.0
	LearnedVetoConcepts = 2
	LearnedHigh         = 4.5
)

// learnedDim is the size of the hashed feature space.
const learnedDim = 1 << 18

// learnedVariant picks a feature set while the experiment tunes it: bit 1
// drops the unmarked unigrams, bit 2 adds skip-bigrams, bit 4 adds the
// previous sentence's stems. The shipped detector uses 0.
var learnedVariant = 0

// learnedSentence is the hashed features of one sentence of an answer.
type learnedSentence struct {
	from, to int // byte offsets into the graded text
	feats    []uint32
}

// learnedModel holds, per "question/misconception" key, a sparse weight
// vector (feature -> weight) and its bias, as training leaves it.
type learnedModel struct {
	Weights map[string]map[uint32]float32 `json:"weights"`
	Bias    map[string]float32            `json:"bias"`
}

// learnedHash is FNV-1a over the parts, a zero byte between them.
func learnedHash(parts ...string) uint32 {
	const prime = 16777619
	h := uint32(2166136261)
	for i, p := range parts {
		if i > 0 {
			h *= prime // h ^= 0
		}
		for j := 0; j < len(p); j++ {
			h ^= uint32(p[j])
			h *= prime
		}
	}
	return h % learnedDim
}

// learnedSentences analyzes answer as Grade does and returns the features
// of each sentence.
func (g *Grader) learnedSentences(answer string) []learnedSentence {
	src, _, _ := prepare(answer)
	t := analyze(src, g.synonyms)
	t.correctTypos(g.typos)
	return t.learnedSentences()
}

var learnedClauseFlags = [...]string{"question", "distance", "afterColon", "code", "list", "bullet", "answers"}

// learnedSentences returns the features of each sentence of an analyzed
// text.
func (t *text) learnedSentences() []learnedSentence {
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
		fs := make([]uint32, 0, 3*(s.to-s.from)+8)
		fs = append(fs, learnedHash("bias"))
		if distanced(si - 1) {
			fs = append(fs, learnedHash("F", "prevDistance"))
		}
		if distanced(si + 1) {
			fs = append(fs, learnedHash("F", "nextDistance"))
		}
		for ci := s.first; ci <= s.last; ci++ {
			cl := t.clauses[ci]
			for k, on := range [...]bool{cl.question, cl.distance, cl.afterColon, cl.code, cl.listLike, cl.bullet, cl.answers} {
				if on {
					fs = append(fs, learnedHash("F", learnedClauseFlags[k]))
				}
			}
		}
		if learnedVariant&4 != 0 && si > 0 {
			for i := sents[si-1].from; i < sents[si-1].to; i++ {
				fs = append(fs, learnedHash("p", t.toks[i].stem))
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
				fs = append(fs, learnedHash("NEG", mark))
				negOn = true
			}
			stem := tok.stem
			if tok.code {
				stem = "c:" + stem
			}
			if learnedVariant&1 == 0 {
				fs = append(fs, learnedHash("u", stem))
			}
			fs = append(fs, learnedHash("m", mark, stem), learnedHash("b", mark, prev, stem))
			if learnedVariant&2 != 0 {
				fs = append(fs, learnedHash("s", mark, prev2, stem))
			}
			prev2, prev = prev, stem
		}
		fs = append(fs, learnedHash("b", "", prev, "</s>"), learnedHash("len", strconv.Itoa(min(s.to-s.from, 40)/5)))
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

// Detector is the learned detector's weights, as stored in
// content/quiz/learned/weights.bin: per "question/misconception" key, a
// bias and the features kept after pruning, with weights quantized to 16
// bits.
type Detector struct {
	models map[string]*detModel
}

type detModel struct {
	bias    float32
	scale   float32  // a weight is scale * q
	feats   []uint32 // sorted
	weights []int16
}

func (m *detModel) weight(i int) float64 { return float64(m.scale) * float64(m.weights[i]) }

// detectorMagic opens a weights file; the version changes with the format
// or the features.
const detectorMagic = "nodedive-learned-v1\n"

// Keys lists the "question/misconception" keys of the detector's models,
// sorted.
func (d *Detector) Keys() []string {
	keys := make([]string, 0, len(d.models))
	for k := range d.models {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Features is the number of weights the detector keeps.
func (d *Detector) Features() int {
	n := 0
	for _, m := range d.models {
		n += len(m.feats)
	}
	return n
}

// newDetector prunes and quantizes trained weights: each model keeps its
// keep largest weights by magnitude (all when keep is 0; ties broken by
// feature, so the result is deterministic).
func newDetector(lm *learnedModel, keep int) *Detector {
	d := &Detector{models: map[string]*detModel{}}
	for key, w := range lm.Weights {
		fs := make([]uint32, 0, len(w))
		for f := range w {
			fs = append(fs, f)
		}
		slices.SortFunc(fs, func(a, b uint32) int {
			wa, wb := math.Abs(float64(w[a])), math.Abs(float64(w[b]))
			switch {
			case wa > wb:
				return -1
			case wa < wb:
				return 1
			}
			return int(a) - int(b)
		})
		if keep > 0 && len(fs) > keep {
			fs = fs[:keep]
		}
		slices.Sort(fs)
		maxW := 0.0
		for _, f := range fs {
			maxW = max(maxW, math.Abs(float64(w[f])))
		}
		m := &detModel{bias: lm.Bias[key], scale: float32(maxW / math.MaxInt16), feats: fs, weights: make([]int16, len(fs))}
		if m.scale == 0 {
			m.scale = 1
		}
		for i, f := range fs {
			m.weights[i] = int16(math.Round(float64(w[f]) / float64(m.scale)))
		}
		d.models[key] = m
	}
	return d
}

// WriteTo writes the detector in its binary form: the magic line, the
// number of models, then per model (by key): the key, the bias and scale
// (float32), the number of features, and each feature as the varint gap
// from the previous one with its quantized weight (int16, little-endian).
func (d *Detector) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(detectorMagic)
	buf.Write(binary.AppendUvarint(nil, uint64(len(d.models))))
	for _, key := range d.Keys() {
		m := d.models[key]
		buf.Write(binary.AppendUvarint(nil, uint64(len(key))))
		buf.WriteString(key)
		buf.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(m.bias)))
		buf.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(m.scale)))
		buf.Write(binary.AppendUvarint(nil, uint64(len(m.feats))))
		prev := uint32(0)
		for i, f := range m.feats {
			buf.Write(binary.AppendUvarint(nil, uint64(f-prev)))
			buf.Write(binary.LittleEndian.AppendUint16(nil, uint16(m.weights[i])))
			prev = f
		}
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ErrDetectorFormat is wrapped by every error of ReadDetector on a file
// that is not a well-formed weights file.
var ErrDetectorFormat = errors.New("not a learned-detector weights file")

// ReadDetector parses a weights file written by WriteTo.
func ReadDetector(data []byte) (*Detector, error) {
	bad := func(format string, args ...any) (*Detector, error) {
		return nil, fmt.Errorf("%w: %s", ErrDetectorFormat, fmt.Sprintf(format, args...))
	}
	if !bytes.HasPrefix(data, []byte(detectorMagic)) {
		return bad("it does not start with %q", strings.TrimSpace(detectorMagic))
	}
	p := data[len(detectorMagic):]
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	n, ok := uvarint()
	if !ok || n > uint64(len(p)) {
		return bad("bad model count")
	}
	d := &Detector{models: make(map[string]*detModel, n)}
	for i := uint64(0); i < n; i++ {
		kl, ok := uvarint()
		if !ok || kl == 0 || kl > uint64(len(p)) {
			return bad("model %d: bad key", i)
		}
		key := string(p[:kl])
		p = p[kl:]
		if !strings.Contains(key, "/") || len(p) < 8 {
			return bad("model %d (%q): bad key or truncated", i, key)
		}
		m := &detModel{bias: math.Float32frombits(binary.LittleEndian.Uint32(p)), scale: math.Float32frombits(binary.LittleEndian.Uint32(p[4:]))}
		p = p[8:]
		if isBad(float64(m.bias)) || isBad(float64(m.scale)) {
			return bad("model %q: bias or scale is not a number", key)
		}
		nf, ok := uvarint()
		if !ok || nf > uint64(len(p))/3 {
			return bad("model %q: bad feature count", key)
		}
		m.feats, m.weights = make([]uint32, nf), make([]int16, nf)
		f := uint64(0)
		for j := range m.feats {
			gap, ok := uvarint()
			if !ok || len(p) < 2 || (j > 0 && gap == 0) {
				return bad("model %q: truncated or unsorted features", key)
			}
			f += gap
			if f >= learnedDim {
				return bad("model %q: feature %d out of range", key, f)
			}
			m.feats[j], m.weights[j] = uint32(f), int16(binary.LittleEndian.Uint16(p))
			p = p[2:]
		}
		if _, dup := d.models[key]; dup {
			return bad("model %q appears twice", key)
		}
		d.models[key] = m
	}
	if len(p) != 0 {
		return bad("%d bytes after the last model", len(p))
	}
	return d, nil
}

func isBad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// learnedIndex is one question's models, laid out for Grade: per feature,
// the weights it carries for each misconception of the grader.
type learnedIndex struct {
	low, high float64   // the gate's thresholds: LearnedLow, LearnedHigh
	veto      float64   // the firmer veto of answers with enough concepts: LearnedVeto
	has       []bool    // per misconception: whether it has a model
	bias      []float64 // per misconception
	feats     map[uint32][]learnedEntry
}

type learnedEntry struct {
	mi int
	w  float64
}

// Attach gives g the detector's models for question q and returns the
// misconception IDs of g that have no model (a misconception added since
// training; the forms alone judge it). A nil detector detaches it.
func (d *Detector) Attach(q string, g *Grader) (untrained []string) {
	g.learned = nil
	if d == nil {
		return nil
	}
	ix := &learnedIndex{low: LearnedLow, veto: LearnedVeto, high: LearnedHigh, has: make([]bool, len(g.misconceptions)), bias: make([]float64, len(g.misconceptions)), feats: map[uint32][]learnedEntry{}}
	trained := false
	for mi, mc := range g.misconceptions {
		m := d.models[q+"/"+mc.ID]
		if m == nil {
			untrained = append(untrained, mc.ID)
			continue
		}
		trained = true
		ix.has[mi], ix.bias[mi] = true, float64(m.bias)
		for i, f := range m.feats {
			ix.feats[f] = append(ix.feats[f], learnedEntry{mi, m.weight(i)})
		}
	}
	if trained {
		g.learned = ix
	}
	return untrained
}

// best returns, per misconception of g, the highest sentence logit
// of the answer and the index of that sentence (-Inf and -1 for a
// misconception without a model or an empty answer).
func (ix *learnedIndex) best(sents []learnedSentence) ([]float64, []int) {
	n := len(ix.has)
	best, at := make([]float64, n), make([]int, n)
	for mi := range best {
		best[mi], at[mi] = math.Inf(-1), -1
	}
	z := make([]float64, n)
	for si, s := range sents {
		copy(z, ix.bias)
		for _, f := range s.feats {
			for _, e := range ix.feats[f] {
				z[e.mi] += e.w
			}
		}
		for mi := range z {
			if ix.has[mi] && z[mi] > best[mi] {
				best[mi], at[mi] = z[mi], si
			}
		}
	}
	return best, at
}

// logit scores one sentence for misconception key with the detector as
// stored (training and evaluation use it, so they measure what ships).
func (d *Detector) logit(key string, feats []uint32) (float64, bool) {
	m := d.models[key]
	if m == nil {
		return math.Inf(-1), false
	}
	z := float64(m.bias)
	for _, f := range feats {
		if i, ok := slices.BinarySearch(m.feats, f); ok {
			z += m.weight(i)
		}
	}
	return z, true
}
