package quiz

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nodedive/nodedive/quiz/grade"
)

// LearnedWeightsFile holds the learned misconception detector's weights,
// beside the topic files (see content/quiz/README.md). Retrain it with
//
//	go test ./quiz/grade -run 'TestLearned$' -learned.train
const LearnedWeightsFile = "learned/weights.bin"

// errNoWeights reports a bank without LearnedWeightsFile.
var errNoWeights = errors.New("no " + LearnedWeightsFile)

// loadDetector reads the detector's weights from fsys and gives each
// interview question its models. A bank without the file grades with the
// forms alone (errNoWeights tells LoadBank, whose embedded bank must have
// it); a corrupt file is an error.
func (b *Bank) loadDetector(fsys fs.FS) error {
	data, err := fs.ReadFile(fsys, LearnedWeightsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return errNoWeights
	}
	if err != nil {
		return fmt.Errorf("%s: %w", LearnedWeightsFile, err)
	}
	d, err := grade.ReadDetector(data)
	if err != nil {
		return fmt.Errorf("%s: %w (retrain it: go test ./quiz/grade -run 'TestLearned$' -learned.train)", LearnedWeightsFile, err)
	}
	b.detector = d
	for _, q := range b.Questions {
		if q.grader != nil {
			d.Attach(q.ID, q.grader)
		}
	}
	return nil
}

// Detector returns the learned detector the bank's graders use (nil when
// the bank has no weights file).
func (b *Bank) Detector() *grade.Detector { return b.detector }

// loadEmbedded loads the bank the binary ships, which must have the
// detector's weights.
func loadEmbedded(fsys fs.FS) (*Bank, error) {
	b, err := LoadBankFS(fsys)
	if err == nil && b.detector == nil {
		return nil, fmt.Errorf("the question bank has %w (the learned detector's weights): retrain them with go test ./quiz/grade -run 'TestLearned$' -learned.train", errNoWeights)
	}
	return b, err
}
