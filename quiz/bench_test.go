package quiz_test

import (
	"strings"
	"syscall"
	"testing"
	"time"
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

// cpuTime is the CPU time this process has used: on a machine shared with
// other jobs, wall time per operation says more about the neighbours than
// about the grader.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchGrade(b *testing.B, id, answer string) {
	q, err := mustBank(b).Find(id)
	if err != nil {
		b.Fatal(err)
	}
	g := q.Grader()
	g.Grade(answer) // warm the stem cache, as a running app has
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		g.Grade(answer)
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkGrade measures grading one typical answer to q14 (target: under
// 1 ms; read cpu-ns/op on a busy machine).
func BenchmarkGrade(b *testing.B) { benchGrade(b, "q14", benchAnswer) }

// BenchmarkGradeMaxInput grades the largest answer the grader accepts.
func BenchmarkGradeMaxInput(b *testing.B) {
	benchGrade(b, "q15", strings.Repeat(benchAnswer+" ", 20)[:8<<10])
}
