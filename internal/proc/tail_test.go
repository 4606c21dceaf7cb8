package proc_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/nodedive/nodedive/internal/proc"
)

func TestTailKeepsTheLastMaxBytes(t *testing.T) {
	tl := &proc.Tail{Max: 10}
	fmt.Fprint(tl, "0123456789")
	fmt.Fprint(tl, "abcd")
	if got := tl.String(); got != "456789abcd" {
		t.Errorf("String() = %q, want the last 10 bytes %q", got, "456789abcd")
	}

	var zero proc.Tail
	_, _ = zero.Write(bytes.Repeat([]byte("x"), proc.DefaultTailMax+100))
	_, _ = zero.Write([]byte("end"))
	if got := zero.String(); len(got) != proc.DefaultTailMax || !strings.HasSuffix(got, "xend") {
		t.Errorf("zero Tail kept %d bytes ending %q, want %d ending in \"end\"", len(got), got[max(0, len(got)-5):], proc.DefaultTailMax)
	}
}

func TestTailForwardsWithAPrefixPerLine(t *testing.T) {
	var log bytes.Buffer
	tl := &proc.Tail{To: &log, Prefix: "[a] "}
	_, _ = tl.Write([]byte("one\ntwo\nthr"))
	_, _ = tl.Write([]byte("ee\n"))
	want := "[a] one\n[a] two\n[a] thr[a] ee\n"
	if log.String() != want {
		t.Errorf("forwarded %q, want %q", log.String(), want)
	}
	if tl.String() != "one\ntwo\nthree\n" {
		t.Errorf("kept %q, want the output as written", tl.String())
	}

	log.Reset()
	raw := &proc.Tail{To: &log}
	_, _ = raw.Write([]byte("no "))
	_, _ = raw.Write([]byte("prefix\n"))
	if log.String() != "no prefix\n" {
		t.Errorf("without a prefix forwarded %q, want the bytes unchanged", log.String())
	}
}

// A real child writing to stdout and stderr at once: exec copies them from
// two goroutines into the same Tail (run with -race).
func TestTailTakesConcurrentWritersFromAChild(t *testing.T) {
	var log bytes.Buffer
	tl := &proc.Tail{To: &log, Prefix: "> "}
	cmd := exec.CommandContext(t.Context(), "sh", "-c", `for i in 1 2 3 4 5 6 7 8 9 10; do echo out$i; echo err$i >&2; done`)
	cmd.Stdout, cmd.Stderr = tl, tl
	proc.Prepare(cmd)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		for _, s := range []string{"out", "err"} {
			line := fmt.Sprintf("%s%d\n", s, i)
			if !strings.Contains(tl.String(), line) {
				t.Errorf("kept output misses %q: %q", line, tl.String())
			}
			if !strings.Contains(log.String(), "> "+line) {
				t.Errorf("forwarded output misses %q: %q", "> "+line, log.String())
			}
		}
	}

	var wg sync.WaitGroup
	shared := &proc.Tail{Max: 64}
	for range 4 {
		wg.Go(func() {
			for range 200 {
				_, _ = shared.Write([]byte("abcdefgh\n"))
				_ = shared.String()
			}
		})
	}
	wg.Wait()
	if got := shared.String(); len(got) != 64 {
		t.Errorf("kept %d bytes after concurrent writes, want 64", len(got))
	}
}
