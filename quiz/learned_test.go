package quiz_test

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/quiz"
	"github.com/nodedive/nodedive/quiz/grade"
)

// TestDetectorModelsExist: every model in the weights file names a
// question and a misconception of the bank, so renaming a misconception
// without retraining fails here (retrain: go test ./quiz/grade -run
// 'TestLearned$' -learned.train). Misconceptions added since training have
// no model and are judged by the forms alone; they are listed.
func TestDetectorModelsExist(t *testing.T) {
	b := mustBank(t)
	d := b.Detector()
	if d == nil {
		t.Fatal("the bank has no learned detector")
	}
	trained := map[string]bool{}
	for _, key := range d.Keys() {
		trained[key] = true
		qid, mid, _ := strings.Cut(key, "/")
		q, err := b.Find(qid)
		if err != nil || q.Rubric == nil {
			t.Errorf("model %s: no interview question %s", key, qid)
			continue
		}
		if !slices.ContainsFunc(q.Rubric.Misconceptions, func(m grade.Misconception) bool { return m.ID == mid }) {
			t.Errorf("model %s: question %s has no misconception %s (renamed? retrain the detector)", key, qid, mid)
		}
	}
	for _, q := range b.Questions {
		if q.Rubric == nil {
			continue
		}
		for _, m := range q.Rubric.Misconceptions {
			if !trained[q.ID+"/"+m.ID] {
				t.Logf("%s/%s has no model: the forms alone judge it", q.ID, m.ID)
			}
		}
	}
}

// TestDetectorWeightsErrors: a corrupt weights file stops the bank from
// loading with an error naming the file, and the embedded bank without one
// is an error too.
func TestDetectorWeightsErrors(t *testing.T) {
	fsys := fstest.MapFS{}
	err := fs.WalkDir(content.Quiz(), ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.Quiz(), path)
		fsys[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	good := fsys[quiz.LearnedWeightsFile].Data
	fsys[quiz.LearnedWeightsFile] = &fstest.MapFile{Data: good[:len(good)-7]}
	_, err = quiz.LoadBankFS(fsys)
	if !errors.Is(err, grade.ErrDetectorFormat) || !strings.Contains(err.Error(), quiz.LearnedWeightsFile) || !strings.Contains(err.Error(), "-learned.train") {
		t.Errorf("a truncated weights file: got %v, want an error naming the file and how to retrain", err)
	}
	delete(fsys, quiz.LearnedWeightsFile)
	// LoadBankFS grades with the forms alone then, but the embedded bank
	// must have the weights.
	if _, err := quiz.LoadEmbedded(fsys); err == nil || !errors.Is(err, quiz.ErrNoWeights) {
		t.Errorf("the embedded bank without weights: got %v, want an error naming %s", err, quiz.LearnedWeightsFile)
	}
}
