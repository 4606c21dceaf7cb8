package grade_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// The learned-detector experiment (testdata/learned-experiment.md). It only
// runs when asked:
//
//	go test ./quiz/grade -run TestLearned -learned.train    # train, write weights, tune on dev9
//	go test ./quiz/grade -run TestLearned -learned.final    # the one evaluation on dev10
var (
	learnedTrain  = flag.Bool("learned.train", false, "train the learned detector and report dev9")
	learnedFinal  = flag.Bool("learned.final", false, "evaluate the learned detector once on the held-out dev10")
	learnedTheta  = flag.Float64("learned.theta", math.NaN(), "the union threshold chosen on dev9 (for -learned.final)")
	learnedTheta1 = flag.Float64("learned.theta-alone", math.NaN(), "the learned-alone threshold chosen on dev9 (for -learned.final)")
	learnedLow    = flag.Float64("learned.gate-low", math.NaN(), "the gate's veto threshold chosen on dev9 (for -learned.final)")
	learnedHigh   = flag.Float64("learned.gate-high", math.NaN(), "the gate's adding threshold chosen on dev9 (for -learned.final)")
)

const (
	corpusDir   = "../testdata/corpus"
	paraDir     = "../testdata/paraphrases"
	weightsFile = "testdata/learned-weights.json"
)

var trainSplits = []string{"tune", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8"}

var learnedOptions = grade.LearnedOptions{Epochs: 8, Rate: 0.05, L2: 1e-4, PosWeight: 0.1, MIL: true, Seed: 20261201}

// envOptions lets a tuning run override the options (LEARNED_OPTS as JSON).
func envOptions(t *testing.T) grade.LearnedOptions {
	o := learnedOptions
	if s := os.Getenv("LEARNED_OPTS"); s != "" {
		if err := json.Unmarshal([]byte(s), &o); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// sealedForms rebuilds, from a split's graded-once report, what the forms
// flagged when the split was still unseen: the agreed misconceptions less
// the missed ones, plus the extra ones.
func sealedForms(t *testing.T, scored []grade.LearnedScored, report string) []grade.LearnedScored {
	data, err := os.ReadFile(filepath.Join(corpusDir, report))
	if err != nil {
		t.Fatal(err)
	}
	missed, extra := map[string][]string{}, map[string][]string{}
	for _, ln := range strings.Split(string(data), "\n") {
		f := strings.Fields(ln)
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "missed":
				missed[f[0]] = strings.Split(f[i+1], ",")
			case "extra":
				extra[f[0]] = strings.Split(f[i+1], ",")
			}
		}
	}
	out := slices.Clone(scored)
	for i, s := range out {
		var ms []grade.MisconceptionHit
		for _, id := range s.L.Misconceptions {
			if !slices.Contains(missed[s.L.ID], id) {
				ms = append(ms, grade.MisconceptionHit{ID: id})
			}
		}
		for _, id := range extra[s.L.ID] {
			ms = append(ms, grade.MisconceptionHit{ID: id})
		}
		out[i].Forms.Misconceptions = ms
	}
	return out
}

func learnedLookup(t *testing.T) func(string) *grade.Grader {
	b, err := quiz.LoadBank()
	if err != nil {
		t.Fatal(err)
	}
	return func(id string) *grade.Grader {
		q, err := b.Find(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return q.Grader()
	}
}

func readSplit(t *testing.T, name string) []grade.Labelled {
	f, err := os.Open(filepath.Join(corpusDir, name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := grade.ReadLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func readParas(t *testing.T) []grade.LearnedPara {
	files, _ := filepath.Glob(filepath.Join(paraDir, "*.jsonl"))
	sort.Strings(files)
	var out []grade.LearnedPara
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if len(sc.Bytes()) == 0 {
				continue
			}
			var p grade.LearnedPara
			if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out = append(out, p)
		}
		f.Close()
	}
	return out
}

// chooseTheta returns the lowest threshold at which sys keeps the false
// alarms of scored at or under 2%.
func chooseTheta(scored []grade.LearnedScored, sys int, lookup func(string) *grade.Grader) float64 {
	var cands []float64
	for _, s := range scored {
		for _, z := range s.Logits {
			if !math.IsInf(z, 0) {
				cands = append(cands, z)
			}
		}
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	// from high to low: the last threshold still within the bar
	best := math.Inf(1)
	for i := len(cands) - 1; i >= 0; i-- {
		r := grade.LearnedReport(scored, sys, cands[i], lookup)
		if r.FalseAlarmRate() > 0.02 {
			break
		}
		best = cands[i]
	}
	return best
}

func line(name string, r grade.Report) string {
	return fmt.Sprintf("%-8s recall %5.1f%% (%d/%d)  false alarms %4.1f%% (%d/%d)  agreement %5.1f%%",
		name, 100*r.Recall(), r.MisconceptionFlagged, r.MisconceptionPairs, 100*r.FalseAlarmRate(), r.FalseAlarms, r.CleanAnswers, 100*r.AgreementRate())
}

func TestLearned(t *testing.T) {
	if !*learnedTrain && !*learnedFinal {
		t.Skip("the learned-detector experiment runs with -learned.train or -learned.final")
	}
	lookup := learnedLookup(t)
	var lm *grade.LearnedModel
	if *learnedTrain {
		var set []grade.Labelled
		for _, s := range trainSplits {
			set = append(set, readSplit(t, s)...)
		}
		lm = grade.TrainLearned(lookup, readParas(t), set, envOptions(t))
		out := weightsFile
		if os.Getenv("LEARNED_OPTS") != "" {
			out = filepath.Join(t.TempDir(), "w.json")
		}
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := lm.WriteJSON(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		dev9 := grade.ScoreLearned(readSplit(t, "dev9"), lookup, lm)
		th1 := chooseTheta(dev9, grade.SysLearned, lookup)
		thU := chooseTheta(dev9, grade.SysUnion, lookup)
		t.Logf("dev9 (thresholds chosen here: learned alone %.3f, union %.3f)", th1, thU)
		t.Log(line("forms", grade.LearnedReport(dev9, grade.SysForms, thU, lookup)))
		t.Log(line("learned", grade.LearnedReport(dev9, grade.SysLearned, th1, lookup)))
		t.Log(line("union", grade.LearnedReport(dev9, grade.SysUnion, thU, lookup)))
		if os.Getenv("LEARNED_DEBUG") != "" {
			for _, s := range dev9 {
				for i, z := range s.Logits {
					id := s.IDs[i]
					pos := slices.Contains(s.L.Misconceptions, id)
					if slices.Contains(s.L.Disputed, id) || pos == (z > th1) {
						continue
					}
					kind := "FN"
					if !pos {
						kind = "FP"
					}
					t.Logf("%s %s %s %.2f [%s] %.300s", kind, s.L.ID, id, z, s.L.Kind, s.L.Answer)
				}
			}
		}
		sealed := sealedForms(t, dev9, "dev9-graded-once.txt")
		t.Log("dev9 with the forms as they were when it was sealed (dev9-graded-once.txt):")
		t.Log(line("forms@9", grade.LearnedReport(sealed, grade.SysForms, thU, lookup)))
		bestLo, bestHi, bestR := math.NaN(), math.NaN(), -1.0
		for hi := 5.0; hi >= 0; hi -= 0.25 {
			for lo := -1.0; lo >= -8; lo -= 0.5 {
				r := grade.GatedReport(sealed, lo, hi)
				if r.FalseAlarmRate() <= 0.02 && r.Recall() > bestR {
					bestLo, bestHi, bestR = lo, hi, r.Recall()
				}
			}
		}
		t.Logf("gate chosen on sealed dev9 (best recall with false alarms <= 2%%, most conservative on ties): low %.2f high %.2f", bestLo, bestHi)
		t.Log(line("gated@9", grade.GatedReport(sealed, bestLo, bestHi)))
		t.Log(line("gated", grade.GatedReport(dev9, bestLo, bestHi)))
		for _, lo := range []float64{-6, -4, -2, -1} {
			for _, hi := range []float64{1, 2, 3} {
				t.Logf("  gated %4.1f %4.1f  %s", lo, hi, line("gated@9", grade.GatedReport(sealed, lo, hi)))
			}
		}
		for _, th := range []float64{-1, 0, 1, 2, 3, 4} {
			t.Logf("  theta %4.1f  %s", th, line("union@9", grade.LearnedReport(sealed, grade.SysUnion, th, lookup)))
		}
		for _, th := range []float64{-1, 0, 1, 2, 3, 4} {
			t.Logf("  theta %4.1f  %s | %s", th, line("learned", grade.LearnedReport(dev9, grade.SysLearned, th, lookup)), line("union", grade.LearnedReport(dev9, grade.SysUnion, th, lookup)))
		}
		return
	}
	if math.IsNaN(*learnedTheta) || math.IsNaN(*learnedTheta1) || math.IsNaN(*learnedLow) || math.IsNaN(*learnedHigh) {
		t.Fatal("-learned.final needs -learned.theta, -learned.theta-alone, -learned.gate-low and -learned.gate-high (chosen on dev9)")
	}
	f, err := os.Open(weightsFile)
	if err != nil {
		t.Fatal(err)
	}
	lm, err = grade.ReadLearnedModel(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	dev9 := grade.ScoreLearned(readSplit(t, "dev9"), lookup, lm)
	t.Logf("dev9 at the same thresholds (learned alone at %.3f, union at %.3f, gate %.2f/%.2f)", *learnedTheta1, *learnedTheta, *learnedLow, *learnedHigh)
	t.Log(line("forms", grade.LearnedReport(dev9, grade.SysForms, *learnedTheta, lookup)))
	t.Log(line("learned", grade.LearnedReport(dev9, grade.SysLearned, *learnedTheta1, lookup)))
	t.Log(line("union", grade.LearnedReport(dev9, grade.SysUnion, *learnedTheta, lookup)))
	t.Log(line("gated", grade.GatedReport(dev9, *learnedLow, *learnedHigh)))
	sealed := sealedForms(t, dev9, "dev9-graded-once.txt")
	t.Log(line("forms@9", grade.LearnedReport(sealed, grade.SysForms, *learnedTheta, lookup)))
	t.Log(line("union@9", grade.LearnedReport(sealed, grade.SysUnion, *learnedTheta, lookup)))
	t.Log(line("gated@9", grade.GatedReport(sealed, *learnedLow, *learnedHigh)))
	dev10 := grade.ScoreLearned(readSplit(t, "dev10"), lookup, lm)
	t.Logf("dev10, graded once (learned alone at %.3f, union at %.3f)", *learnedTheta1, *learnedTheta)
	t.Log(line("forms", grade.LearnedReport(dev10, grade.SysForms, *learnedTheta, lookup)))
	t.Log(line("learned", grade.LearnedReport(dev10, grade.SysLearned, *learnedTheta1, lookup)))
	t.Log(line("union", grade.LearnedReport(dev10, grade.SysUnion, *learnedTheta, lookup)))
	t.Logf("gated (forms kept above %.2f, detector adds above %.2f):", *learnedLow, *learnedHigh)
	t.Log(line("gated", grade.GatedReport(dev10, *learnedLow, *learnedHigh)))
}

// BenchmarkLearned measures the detector's cost per answer (dev9's answers
// in turn), on top of Grade; it needs the weights -learned.train writes.
func BenchmarkLearned(b *testing.B) {
	f, err := os.Open(weightsFile)
	if err != nil {
		b.Skip("no weights: run go test ./quiz/grade -run TestLearned -learned.train first")
	}
	lm, err := grade.ReadLearnedModel(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	bank, err := quiz.LoadBank()
	if err != nil {
		b.Fatal(err)
	}
	df, err := os.Open(filepath.Join(corpusDir, "dev9.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	set, err := grade.ReadLabelled(df)
	df.Close()
	if err != nil {
		b.Fatal(err)
	}
	gs := make([]*grade.Grader, len(set))
	for i, l := range set {
		q, err := bank.Find(l.Q)
		if err != nil {
			b.Fatal(err)
		}
		gs[i] = q.Grader()
	}
	runtime.GC() // the decoded weights leave garbage behind
	b.Run("detector", func(b *testing.B) {
		start := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
		for i := 0; b.Loop(); i++ {
			k := i % len(set)
			grade.LearnedScoreAnswer(gs[k], lm, set[k].Q, set[k].Answer)
		}
	})
	b.Run("grade", func(b *testing.B) {
		start := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
		for i := 0; b.Loop(); i++ {
			k := i % len(set)
			gs[k].Grade(set[k].Answer)
		}
	})
}

// cpuTime is the process's CPU time: on a busy machine it measures the work
// better than the wall clock (as quiz/bench_test.go does).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLearnedFeatures checks the detector's features: one set per
// sentence, the same every time, and a negated claim is not the claim.
func TestLearnedFeatures(t *testing.T) {
	b, err := quiz.LoadBank()
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.Find("cluster-iv1")
	if err != nil {
		t.Fatal(err)
	}
	g := q.Grader()
	two := grade.LearnedFeatures(g, "Workers share memory with the primary. They are separate processes.")
	if len(two) != 2 {
		t.Fatalf("%d sentences, want 2", len(two))
	}
	if again := grade.LearnedFeatures(g, "Workers share memory with the primary. They are separate processes."); !slices.EqualFunc(two, again, slices.Equal) {
		t.Error("the features differ between two runs")
	}
	said := grade.LearnedFeatures(g, "Workers share memory with the primary.")[0]
	denied := grade.LearnedFeatures(g, "Workers don't share memory with the primary.")[0]
	reported := grade.LearnedFeatures(g, "It's a myth that workers share memory with the primary.")[0]
	for name, fs := range map[string][]uint32{"denied": denied, "reported": reported} {
		missing := 0
		for _, f := range said {
			if !slices.Contains(fs, f) {
				missing++
			}
		}
		if missing < 3 {
			t.Errorf("the %s claim shares all but %d of the claim's features", name, missing)
		}
	}
}
