package quiz_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// A paraphrase is one sentence that states a single rubric claim, written
// blind to the grader (testdata/paraphrases/README.md). Where the corpus
// asks whether the grader judges whole answers like an interviewer, the
// paraphrases ask the narrower question that decides it: does it recognise
// each claim however a candidate words it, and does it leave a myth alone
// when the sentence only mentions it to reject it.
type paraphrase struct {
	Q      string `json:"q"`
	Target string `json:"target"`
	// Kind is "concept" (must be credited), "misconception" (must be
	// flagged) or "near-miss" (a true sentence close to the misconception:
	// must not be flagged).
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Batch is the round the sentence was written in (see batchOf).
	Batch string `json:"-"`
}

// paraphraseFloor is the share of each kind the grader gets right today,
// per batch (see the README there): round 3's sentences (<topic>.jsonl)
// round 4's, which are mostly misconceptions (<topic>-r4.jsonl), and round
// 5's, misconceptions and their near-misses only (<topic>-r5.jsonl). The
// test keeps a change of the grader from recognising fewer wordings; raise
// it when the grader improves.
var paraphraseFloor = map[string]map[string]float64{
	"round 3": {
		"concept":       994.0 / 1006,
		"misconception": 1237.0 / 1254,
		"near-miss":     626.0 / 627,
	},
	"round 4": {
		"concept":       370.0 / 374,
		"misconception": 2044.0 / 2090,
		"near-miss":     836.0 / 836,
	},
	// Round 5 wrote misconceptions and their near-misses only.
	"round 5": {
		"misconception": 1569.0 / 1672,
		"near-miss":     1463.0 / 1463,
	},
}

// batchOf names the batch a paraphrase file belongs to.
func batchOf(file string) string {
	if strings.HasSuffix(file, "-r4.jsonl") {
		return "round 4"
	}
	if strings.HasSuffix(file, "-r5.jsonl") {
		return "round 5"
	}
	return "round 3"
}

func loadParaphrases(t testing.TB) []paraphrase {
	t.Helper()
	files, err := filepath.Glob("testdata/paraphrases/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no paraphrase files: %v", err)
	}
	var all []paraphrase
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for line := 1; sc.Scan(); line++ {
			var p paraphrase
			if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
				t.Fatalf("%s:%d: %v", file, line, err)
			}
			p.Batch = batchOf(file)
			all = append(all, p)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	return all
}

// TestParaphrases grades every paraphrase as a one-sentence answer and
// holds each kind to its floor. NODEDIVE_PARAPHRASE_FAILS=1 lists every
// sentence the grader gets wrong.
func TestParaphrases(t *testing.T) {
	b := mustBank(t)
	type tally struct{ pass, total int }
	perKind := map[string]*tally{}
	perQuestion := map[string]*tally{}
	var fails []string
	for _, p := range loadParaphrases(t) {
		q, err := b.Find(p.Q)
		if err != nil || q.Rubric == nil {
			t.Errorf("%q is not an interview question (%s)", p.Q, p.Text)
			continue
		}
		known := false
		for _, c := range q.Rubric.Concepts {
			known = known || (p.Kind == "concept" && c.ID == p.Target)
		}
		for _, m := range q.Rubric.Misconceptions {
			known = known || (p.Kind != "concept" && m.ID == p.Target)
		}
		if !known {
			t.Errorf("%s: %s %q is not in the rubric", p.Q, p.Kind, p.Target)
			continue
		}
		res := q.Grader().Grade(p.Text)
		var credited, flagged []string
		for _, c := range res.Covered {
			credited = append(credited, c.ID)
		}
		for _, m := range res.Misconceptions {
			flagged = append(flagged, m.ID)
		}
		var ok bool
		switch p.Kind {
		case "concept":
			ok = slices.Contains(credited, p.Target)
		case "misconception":
			ok = slices.Contains(flagged, p.Target)
		case "near-miss":
			ok = len(flagged) == 0
		default:
			t.Errorf("%s: unknown kind %q", p.Q, p.Kind)
			continue
		}
		count := func(m map[string]*tally, key string) {
			if m[key] == nil {
				m[key] = &tally{}
			}
			m[key].total++
			if ok {
				m[key].pass++
			}
		}
		count(perKind, p.Batch+" "+p.Kind)
		count(perQuestion, p.Q+" "+p.Kind)
		if !ok {
			fails = append(fails, fmt.Sprintf("%s %s %s: %q credited %v flagged %v", p.Q, p.Kind, p.Target, p.Text, credited, flagged))
		}
	}
	keys := make([]string, 0, len(perQuestion))
	for k := range perQuestion {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-26s %4d/%-4d", k, perQuestion[k].pass, perQuestion[k].total)
	}
	if os.Getenv("NODEDIVE_PARAPHRASE_FAILS") != "" {
		for _, f := range fails {
			t.Log(f)
		}
	}
	for _, batch := range []string{"round 3", "round 4", "round 5"} {
		for _, kind := range []string{"concept", "misconception", "near-miss"} {
			floor, ok := paraphraseFloor[batch][kind]
			if !ok {
				continue
			}
			s := perKind[batch+" "+kind]
			if s == nil {
				t.Errorf("no %s %s paraphrases", batch, kind)
				continue
			}
			rate := float64(s.pass) / float64(s.total)
			t.Logf("%s %-13s %4d/%-4d = %.1f%%", batch, kind, s.pass, s.total, 100*rate)
			if rate < floor-1e-9 {
				t.Errorf("%s %s paraphrases: %.1f%% recognised, floor %.1f%%", batch, kind, 100*rate, 100*floor)
			}
		}
	}
}
