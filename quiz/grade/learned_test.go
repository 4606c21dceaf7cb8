package grade_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// The learned detector (learned.go, testdata/learned-experiment.md). Its
// weights ship in content/quiz/learned/weights.bin; these runs only happen
// when asked:
//
//	go test ./quiz/grade -run 'TestLearned$' -learned.train       # retrain, rewrite weights.bin (deterministic)
//	go test ./quiz/grade -run 'TestLearned$' -learned.thresholds  # the gate's table on the validation splits
//
// An experiment can train on other splits, write the weights elsewhere and
// tabulate the thresholds on other sealed splits:
//
//	go test ./quiz/grade -run 'TestLearned$' -learned.train -learned.splits tune,dev -learned.weights /tmp/w.bin
//	go test ./quiz/grade -run 'TestLearned$' -learned.thresholds -learned.weights /tmp/w.bin -learned.valid dev11,dev12
var (
	learnedTrain      = flag.Bool("learned.train", false, "train the learned detector and rewrite -learned.weights")
	learnedThresholds = flag.Bool("learned.thresholds", false, "tabulate the gate's thresholds on the -learned.valid splits (forms as when each was sealed)")
	learnedPrune      = flag.Bool("learned.prune", false, "with -learned.train: compare pruning levels on the validation splits")
	learnedSplits     = flag.String("learned.splits", strings.Join(trainSplits, ","), "the splits the detector is trained on")
	learnedValid      = flag.String("learned.valid", "dev17,dev18", "the sealed splits the thresholds are tabulated on (each needs its graded-once report; only a split the detector was not trained on is a fair test)")
	learnedWeights    = flag.String("learned.weights", weightsFile, "the weights file training writes and the threshold table reads")
)

const (
	corpusDir   = "../testdata/corpus"
	paraDir     = "../testdata/paraphrases"
	weightsFile = "../../content/quiz/learned/weights.bin"
)

// learnedKeep is how many weights each model keeps (the largest by
// magnitude).
const learnedKeep = 1000

var trainSplits = []string{"tune", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12", "dev13", "dev14", "dev15", "dev16"}

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

func learnedLookup(t testing.TB) func(string) *grade.Grader {
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

func readSplit(t testing.TB, name string) []grade.Labelled {
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

func line(name string, r grade.Report) string {
	return fmt.Sprintf("%-8s recall %5.1f%% (%d/%d)  false alarms %4.1f%% (%d/%d)  agreement %5.1f%%",
		name, 100*r.Recall(), r.MisconceptionFlagged, r.MisconceptionPairs, 100*r.FalseAlarmRate(), r.FalseAlarms, r.CleanAnswers, 100*r.AgreementRate())
}

// validSplit is one validation split, scored with the forms as they were
// when it was sealed.
type validSplit struct {
	name   string
	scored []grade.LearnedScored
}

// sealedValidation scores each -learned.valid split with the forms as they
// were when it was sealed (rebuilt from its graded-once report).
func sealedValidation(t *testing.T, d *grade.Detector, lookup func(string) *grade.Grader) []validSplit {
	var out []validSplit
	for _, name := range strings.Split(*learnedValid, ",") {
		out = append(out, validSplit{name, sealedForms(t, grade.ScoreLearned(readSplit(t, name), lookup, d), name+"-graded-once.txt")})
	}
	return out
}

func TestLearned(t *testing.T) {
	if !*learnedTrain && !*learnedThresholds {
		t.Skip("the learned detector's training runs with -learned.train, its threshold table with -learned.thresholds")
	}
	lookup := learnedLookup(t)
	if *learnedTrain {
		var set []grade.Labelled
		for _, s := range strings.Split(*learnedSplits, ",") {
			set = append(set, readSplit(t, s)...)
		}
		lm := grade.TrainLearned(lookup, readParas(t), set, envOptions(t))
		d := lm.Detector(learnedKeep)
		var buf strings.Builder
		if _, err := d.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*learnedWeights, []byte(buf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d models, %d weights, %d bytes", *learnedWeights, len(d.Keys()), d.Features(), buf.Len())
		if *learnedPrune {
			for _, keep := range []int{0, 2000, 1000, 600, 400, 200} {
				d := lm.Detector(keep)
				var b strings.Builder
				_, _ = d.WriteTo(&b)
				t.Logf("keep %5d: %8d bytes", keep, b.Len())
				for _, v := range sealedValidation(t, d, lookup) {
					t.Logf("  %-5s %s", v.name, line("alone", grade.LearnedReport(v.scored, grade.SysLearned, 1.204, lookup)))
					t.Logf("  %-5s %s", v.name, line("gated", grade.GatedReport(v.scored, -4, 3)))
				}
			}
		}
		return
	}
	data, err := os.ReadFile(*learnedWeights)
	if err != nil {
		t.Fatal(err)
	}
	d, err := grade.ReadDetector(data)
	if err != nil {
		t.Fatal(err)
	}
	valid := sealedValidation(t, d, lookup)
	var all []grade.LearnedScored
	for _, v := range valid {
		all = append(all, v.scored...)
	}
	t.Log(line("forms@sealed", grade.LearnedReport(all, grade.SysForms, 0, lookup)))
	t.Logf("gated on %s (forms as sealed): low, high, recall, false alarms", *learnedValid)
	lows := []float64{-10, -8, -7.5, -7, -6, -5, -4, -3.5, -3, -2.5, -2, -1.5, -1, 0}
	var head []string
	for _, lo := range lows {
		head = append(head, fmt.Sprintf("%10.1f", lo))
	}
	t.Logf("low:     %s", strings.Join(head, "  "))
	for _, hi := range []float64{1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, math.Inf(1)} {
		var row []string
		for _, lo := range lows {
			r := grade.GatedReport(all, lo, hi)
			row = append(row, fmt.Sprintf("%5.1f/%4.1f", 100*r.Recall(), 100*r.FalseAlarmRate()))
		}
		t.Logf("high %3.1f  %s", hi, strings.Join(row, "  "))
	}
	margins := []float64{-8, -6, -5, -4, -3, -2.5, -2, -1.5, -1, -0.5, 0}
	head = head[:0]
	for _, m := range margins {
		head = append(head, fmt.Sprintf("%10.1f", m))
	}
	t.Logf("margin:  %s", strings.Join(head, "  "))
	for _, hi := range []float64{1.5, 2, 2.5, 3, 4.5, math.Inf(1)} {
		var row []string
		for _, m := range margins {
			r := grade.MarginReport(all, m, hi)
			row = append(row, fmt.Sprintf("%5.1f/%4.1f", 100*r.Recall(), 100*r.FalseAlarmRate()))
		}
		t.Logf("high %3.1f  %s", hi, strings.Join(row, "  "))
	}
	t.Logf("tiered veto (LearnedLow for answers under %d concepts, the veto above):", grade.LearnedVetoConcepts)
	for _, veto := range []float64{-10, -6, -5, -4.5, -4, -3.5, -3, -2} {
		t.Log(line(fmt.Sprintf("  %5.1f", veto), grade.TieredReport(all, grade.LearnedLow, veto, grade.LearnedHigh)))
	}
	for _, p := range [][2]float64{{grade.LearnedLow, grade.LearnedHigh}, {-2, 2}, {-4, 4.5}, {-3, 4.5}, {-2, 4.5}, {-8, 5}} {
		lo, hi := p[0], p[1]
		t.Logf("(%.1f, %.1f):", lo, hi)
		t.Log(line("  all", grade.GatedReport(all, lo, hi)))
		for _, v := range valid {
			t.Log(line("  "+v.name, grade.GatedReport(v.scored, lo, hi)))
		}
	}
}

// BenchmarkLearned measures the detector's cost per answer (dev9's answers
// in turn) as the experiment ran it (its own analysis), and Grade with the
// detector wired in.
func BenchmarkLearned(b *testing.B) {
	data, err := os.ReadFile(weightsFile)
	if err != nil {
		b.Fatal(err)
	}
	d, err := grade.ReadDetector(data)
	if err != nil {
		b.Fatal(err)
	}
	bank, err := quiz.LoadBank()
	if err != nil {
		b.Fatal(err)
	}
	set := readSplit(b, "dev9")
	gs := make([]*grade.Grader, len(set))
	for i, l := range set {
		q, err := bank.Find(l.Q)
		if err != nil {
			b.Fatal(err)
		}
		gs[i] = q.Grader()
	}
	b.Run("detector", func(b *testing.B) {
		start := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
		for i := 0; b.Loop(); i++ {
			k := i % len(set)
			grade.LearnedScoreAnswer(gs[k], d, set[k].Q, set[k].Answer)
		}
	})
	b.Run("forms", func(b *testing.B) {
		start := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
		for i := 0; b.Loop(); i++ {
			k := i % len(set)
			grade.GradeForms(gs[k], set[k].Answer)
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
