package quiz_test

import (
	"os"
	"testing"

	"github.com/nodedive/nodedive/quiz/grade"
)

const (
	tuneFile = "testdata/corpus/tune.jsonl"
	testFile = "testdata/corpus/test.jsonl"
)

func loadCorpus(t testing.TB, file string) []grade.Labelled {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := grade.ReadLabelled(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return set
}
