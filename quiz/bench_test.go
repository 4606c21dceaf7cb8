package quiz_test

import (
	"strings"
	"testing"
)

// A typical interview answer: about 130 words, a few concepts, one
// misconception.
const benchAnswer = `Clustering lets one Node app run as several processes on the same port. The
primary process forks a worker per CPU core with cluster.fork(), and each worker is a separate
process with its own event loop and memory, so they do not share state: sessions go to Redis.
On Linux the primary accepts connections and hands them to the workers round-robin, which is
connections, not requests, so a keep-alive client sticks to one worker. When a worker crashes
the primary gets the 'exit' event and forks a new one, which gives fault tolerance, and
restarting workers one at a time gives zero-downtime deploys. You check cluster.isMaster to
know where you are.`

// BenchmarkGrade measures grading one typical answer to q14 (target: well
// under 1 ms).
func BenchmarkGrade(b *testing.B) {
	q, err := mustBank(b).Find("q14")
	if err != nil {
		b.Fatal(err)
	}
	g := q.Grader()
	b.ReportAllocs()
	for b.Loop() {
		g.Grade(benchAnswer)
	}
}

// BenchmarkGradeMaxInput grades the largest answer the grader accepts.
func BenchmarkGradeMaxInput(b *testing.B) {
	q, err := mustBank(b).Find("q15")
	if err != nil {
		b.Fatal(err)
	}
	g := q.Grader()
	huge := strings.Repeat(benchAnswer+" ", 20)[:8<<10]
	b.ReportAllocs()
	for b.Loop() {
		g.Grade(huge)
	}
}
