package grade

// Training and evaluation of the learned detector (learned.go), compiled
// only for tests: learned_test.go drives them.

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// LearnedPara is one line of quiz/testdata/paraphrases.
type LearnedPara struct {
	Q      string `json:"q"`
	Target string `json:"target"`
	Kind   string `json:"kind"`
	Text   string `json:"text"`
}

// LearnedOptions are the training knobs.
type LearnedOptions struct {
	Epochs    int
	Rate      float64
	L2        float64
	PosWeight float64 // positives weigh PosWeight * (negatives/positives), capped below by 1
	MIL       bool    // add the top sentence of each multi-sentence labelled answer as a positive
	MILRounds int     // how many times to re-pick those sentences (1 if 0)
	Seed      uint64
	Variant   int // learnedVariant while training and scoring
}

// LearnedModel is the trained detector.
type LearnedModel struct{ m *learnedModel }

type lExample struct {
	feats []uint32
	y     float64
}

func mergeFeats(ss []learnedSentence) []uint32 {
	var out []uint32
	for _, s := range ss {
		out = append(out, s.feats...)
	}
	if len(ss) > 1 {
		// one bias only
		b := learnedHash("bias")
		n := 0
		seen := false
		for _, f := range out {
			if f == b {
				if seen {
					continue
				}
				seen = true
			}
			out[n] = f
			n++
		}
		out = out[:n]
	}
	return out
}

// sgd trains one logistic regression; it returns sparse weights and bias.
func sgd(ex []lExample, opt LearnedOptions, seed uint64) (map[uint32]float32, float32) {
	w := map[uint32]float64{}
	b := 0.0
	npos := 0
	for _, e := range ex {
		if e.y > 0 {
			npos++
		}
	}
	if npos == 0 {
		return nil, -10
	}
	pw := max(1, opt.PosWeight*float64(len(ex)-npos)/float64(npos))
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	r := rand.New(rand.NewPCG(opt.Seed, seed))
	step := 0
	for ep := 0; ep < opt.Epochs; ep++ {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			e := ex[i]
			z := b
			for _, f := range e.feats {
				z += w[f]
			}
			p := 1 / (1 + math.Exp(-z))
			g := p - e.y
			if e.y > 0 {
				g *= pw
			}
			lr := opt.Rate / (1 + float64(step)*1e-5)
			step++
			b -= lr * g
			for _, f := range e.feats {
				w[f] -= lr * (g + opt.L2*w[f])
			}
		}
	}
	out := make(map[uint32]float32, len(w))
	for f, v := range w {
		if math.Abs(v) > 1e-4 {
			out[f] = float32(v)
		}
	}
	return out, float32(b)
}

// TrainLearned trains one model per misconception of every question that
// has paraphrases or labelled answers.
func TrainLearned(lookup func(q string) *Grader, paras []LearnedPara, set []Labelled, opt LearnedOptions) *LearnedModel {
	learnedVariant = opt.Variant
	m := &learnedModel{Weights: map[string]map[uint32]float32{}, Bias: map[string]float32{}}
	qs := map[string]bool{}
	for _, p := range paras {
		qs[p.Q] = true
	}
	for _, l := range set {
		qs[l.Q] = true
	}
	var qids []string
	for q := range qs {
		qids = append(qids, q)
	}
	sort.Strings(qids)
	for qi, q := range qids {
		g := lookup(q)
		if g == nil {
			continue
		}
		type para struct {
			p     LearnedPara
			feats []uint32
		}
		var ps []para
		for _, p := range paras {
			if p.Q == q {
				ps = append(ps, para{p, mergeFeats(g.learnedSentences(p.Text))})
			}
		}
		type ans struct {
			l     Labelled
			sents []learnedSentence
		}
		var as []ans
		for _, l := range set {
			if l.Q == q {
				as = append(as, ans{l, g.learnedSentences(l.Answer)})
			}
		}
		for mi := range g.misconceptions {
			id := g.misconceptions[mi].ID
			key := q + "/" + id
			var ex []lExample
			for _, p := range ps {
				y := 0.0
				if p.p.Kind == "misconception" && p.p.Target == id {
					y = 1
				}
				ex = append(ex, lExample{p.feats, y})
			}
			var bags [][]learnedSentence
			for _, a := range as {
				switch {
				case slices.Contains(a.l.Misconceptions, id):
					if len(a.sents) == 1 {
						ex = append(ex, lExample{a.sents[0].feats, 1})
					} else if len(a.sents) > 1 {
						bags = append(bags, a.sents)
					}
				case slices.Contains(a.l.Disputed, id):
				default:
					for _, s := range a.sents {
						ex = append(ex, lExample{s.feats, 0})
					}
				}
			}
			w, b := sgd(ex, opt, uint64(qi*100+mi))
			base := len(ex)
			for round := 0; opt.MIL && len(bags) > 0 && w != nil && round < max(1, opt.MILRounds); round++ {
				ex = ex[:base]
				tmp := &learnedModel{Weights: map[string]map[uint32]float32{key: w}, Bias: map[string]float32{key: b}}
				for _, bag := range bags {
					best, bi := math.Inf(-1), 0
					for si, s := range bag {
						if z := tmp.learnedLogit(key, s.feats); z > best {
							best, bi = z, si
						}
					}
					ex = append(ex, lExample{bag[bi].feats, 1})
				}
				w, b = sgd(ex, opt, uint64(qi*100+mi))
			}
			if w != nil {
				m.Weights[key] = w
				m.Bias[key] = b
			}
		}
	}
	return &LearnedModel{m}
}

// Detector prunes and quantizes the trained weights as they ship (keep:
// the largest weights kept per model, 0 for all).
func (lm *LearnedModel) Detector(keep int) *Detector { return newDetector(lm.m, keep) }

// LearnedScored is one graded answer with the detector's scores.
type LearnedScored struct {
	L      Labelled
	Forms  Result    // the forms alone, without the detector's gate
	IDs    []string  // the grader's misconception IDs
	Logits []float64 // per ID: the highest sentence logit
	Bias   []float64 // per ID: the model's bias (-Inf without a model)
}

// GradeForms grades answer with the forms alone, as Grade did before the
// detector.
func GradeForms(g *Grader, answer string) Result { return g.grade(answer, nil) }

// ScoreLearned grades every answer with the forms and scores it with the
// detector.
func ScoreLearned(set []Labelled, lookup func(q string) *Grader, d *Detector) []LearnedScored {
	out := make([]LearnedScored, 0, len(set))
	for _, l := range set {
		g := lookup(l.Q)
		s := LearnedScored{L: l, Forms: GradeForms(g, l.Answer)}
		for _, m := range g.misconceptions {
			s.IDs = append(s.IDs, m.ID)
		}
		s.Logits = g.learnedScores(d, l.Q, g.learnedSentences(l.Answer))
		for _, m := range g.misconceptions {
			b, _ := d.logit(l.Q+"/"+m.ID, nil)
			s.Bias = append(s.Bias, b)
		}
		out = append(out, s)
	}
	return out
}

// learnedScores returns, per misconception of the grader (by index), the
// highest logit over the answer's sentences, from the stored detector.
func (g *Grader) learnedScores(d *Detector, q string, sents []learnedSentence) []float64 {
	out := make([]float64, len(g.misconceptions))
	for mi := range g.misconceptions {
		best := math.Inf(-1)
		for _, s := range sents {
			z, ok := d.logit(q+"/"+g.misconceptions[mi].ID, s.feats)
			if !ok {
				break
			}
			best = max(best, z)
		}
		out[mi] = best
	}
	return out
}

// Learned systems.
const (
	SysForms = iota
	SysLearned
	SysUnion
)

// GatedReport measures forms gated by the detector: a form's flag stands
// only when the detector scores it above low, and the detector adds its own
// flags above high.
func GatedReport(scored []LearnedScored, low, high float64) Report {
	return gatedReport(scored, high, func(s LearnedScored, i int) bool { return s.Logits[i] > low })
}

// MarginReport is GatedReport with the veto measured from each model's
// bias: a form's flag stands unless the sentence scores at or under its
// bias plus margin.
func MarginReport(scored []LearnedScored, margin, high float64) Report {
	return gatedReport(scored, high, func(s LearnedScored, i int) bool { return s.Logits[i]-s.Bias[i] > margin })
}

// gatedReport keeps a form's flag of misconception i when stands says so,
// and adds the detector's own flags above high.
func gatedReport(scored []LearnedScored, high float64, stands func(s LearnedScored, i int) bool) Report {
	r := Report{Confusion: map[string]map[Verdict]int{}}
	for _, s := range scored {
		res := s.Forms
		var ms []MisconceptionHit
		for i, z := range s.Logits {
			formed := slices.ContainsFunc(res.Misconceptions, func(x MisconceptionHit) bool { return x.ID == s.IDs[i] })
			if formed && stands(s, i) || z > high {
				ms = append(ms, MisconceptionHit{ID: s.IDs[i]})
			}
		}
		res.Misconceptions = ms
		r.add(s.L, res)
	}
	return r
}

// TieredReport measures the gate as Grade runs it: a form's flag stands
// above veto in an answer stating LearnedVetoConcepts concepts (the forms'
// covered concepts, as Grade counts them at the gate), above low in a
// thinner one.
func TieredReport(scored []LearnedScored, low, veto, high float64) Report {
	return gatedReport(scored, high, func(s LearnedScored, i int) bool {
		if len(s.Forms.Covered) >= LearnedVetoConcepts {
			return s.Logits[i] > max(low, veto)
		}
		return s.Logits[i] > low
	})
}

// LearnedReport measures one system at threshold theta.
func LearnedReport(scored []LearnedScored, sys int, theta float64, lookup func(q string) *Grader) Report {
	r := Report{Confusion: map[string]map[Verdict]int{}}
	for _, s := range scored {
		res := s.Forms
		var learned []MisconceptionHit
		g := lookup(s.L.Q)
		for i, z := range s.Logits {
			if z > theta {
				m := g.misconceptions[i]
				learned = append(learned, MisconceptionHit{ID: m.ID, Penalty: m.Penalty})
			}
		}
		switch sys {
		case SysLearned:
			res.Misconceptions = learned
		case SysUnion:
			ms := slices.Clone(res.Misconceptions)
			for _, h := range learned {
				if !slices.ContainsFunc(ms, func(x MisconceptionHit) bool { return x.ID == h.ID }) {
					ms = append(ms, h)
				}
			}
			if len(ms) > len(res.Misconceptions) {
				// Re-score as Grade would (approximately: the score
				// before penalties is recovered from the forms' result).
				pre := res.Score + penalty(res.Misconceptions)
				sc := min(100, max(0, pre-penalty(ms)))
				switch n := len(ms); {
				case n == 2 && pre >= solidWithTwoWrong:
					sc = min(misconceptionCap, max(centralFloor, sc))
				case n >= 2 && sc > wrongCap:
					sc = wrongCap
				case n == 1 && sc > misconceptionCap:
					sc = misconceptionCap
				}
				res.Score = sc
				res.Verdict = VerdictFor(sc)
			}
			res.Misconceptions = ms
		}
		r.add(s.L, res)
	}
	return r
}

// LearnedScoreAnswer is the detector's work on one answer: analysis,
// features and every misconception's score.
func LearnedScoreAnswer(g *Grader, d *Detector, q, answer string) []float64 {
	return g.learnedScores(d, q, g.learnedSentences(answer))
}

// LearnedFeatures returns the hashed features of each sentence of answer.
func LearnedFeatures(g *Grader, answer string) [][]uint32 {
	var out [][]uint32
	for _, s := range g.learnedSentences(answer) {
		out = append(out, s.feats)
	}
	return out
}

// MisconceptionIDs lists the grader's misconception IDs, in order.
func (g *Grader) MisconceptionIDs() []string {
	ids := make([]string, len(g.misconceptions))
	for i, m := range g.misconceptions {
		ids[i] = m.ID
	}
	return ids
}

// GradeWithGate grades answer with the detector's gate at other
// thresholds than the shipped ones, one veto for every answer (g must have
// a detector).
func GradeWithGate(g *Grader, answer string, low, high float64) Result {
	return GradeWithVetoes(g, answer, low, low, high)
}

// GradeWithVetoes grades answer with the gate's veto at low for thin
// answers and at veto for answers stating LearnedVetoConcepts concepts.
func GradeWithVetoes(g *Grader, answer string, low, veto, high float64) Result {
	ix := *g.learned
	ix.low, ix.veto, ix.high = low, veto, high
	return g.grade(answer, &ix)
}
