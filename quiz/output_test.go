package quiz_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/quiz"
)

// TestOutputQuestionsMatchNode runs every output snippet on the installed
// node and checks that its stdout is exactly the expected answer, and that
// the expected answer, typed back as a prediction, is accepted. Snippets
// must be deterministic, so each runs twice.
func TestOutputQuestionsMatchNode(t *testing.T) {
	nodetest.RequireNode(t)
	b := mustBank(t)
	var outputs []*quiz.Question
	for _, q := range b.Questions {
		if q.Kind == quiz.Output {
			outputs = append(outputs, q)
		}
	}
	if len(outputs) < 5 {
		t.Fatalf("only %d output questions", len(outputs))
	}
	ctx := context.Background()
	// Two at a time: the machine has two cores and node starts in ~50 ms.
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, q := range outputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for run := range 2 {
				res, err := noderun.Run(ctx, q.Program(), noderun.Options{Timeout: 15 * time.Second})
				if err != nil {
					t.Errorf("%s: %v", q.ID, err)
					return
				}
				if !res.OK() {
					t.Errorf("%s: node exited %d (signal %q, timed out %v):\n%s", q.ID, res.ExitCode, res.Signal, res.TimedOut, res.Output)
					return
				}
				if res.Stdout != q.Expected {
					t.Errorf("%s (run %d): node printed\n%q\nbut the bank expects\n%q", q.ID, run+1, res.Stdout, q.Expected)
				}
			}
			if out := q.CheckOutput(q.Expected); !*out.Correct {
				t.Errorf("%s: the expected output is not accepted as a prediction", q.ID)
			}
			if out := q.CheckOutput(strings.ToUpper(q.Expected) + "\nextra"); *out.Correct {
				t.Errorf("%s: a wrong prediction is accepted", q.ID)
			}
		}()
	}
	wg.Wait()
}
