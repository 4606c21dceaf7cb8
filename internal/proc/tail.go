package proc

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// DefaultTailMax is how much output a Tail keeps when Max is not set.
const DefaultTailMax = 8 << 10

// Tail keeps the last Max bytes a child process printed, which is what
// explains a failed start, and optionally forwards the output to To as it
// comes. Use it as the child's Stdout and Stderr: it is safe for concurrent
// writers (os/exec copies the two from separate goroutines). The zero value
// keeps DefaultTailMax bytes and forwards nothing.
type Tail struct {
	// Max is how many bytes to keep; 0 means DefaultTailMax.
	Max int
	// To, when set, receives everything written. Its errors are ignored:
	// a log that fails must not stall or fail the child.
	To io.Writer
	// Prefix starts every line forwarded to To (e.g. "[instance 2] "),
	// including a partial line at the end of a write, so a line the child
	// wrote in two pieces is forwarded as two prefixed pieces. Empty
	// forwards the bytes as they come.
	Prefix string

	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	limit := t.Max
	if limit <= 0 {
		limit = DefaultTailMax
	}
	if over := t.buf.Len() - limit; over > 0 {
		t.buf.Next(over)
	}
	if t.To != nil {
		if t.Prefix == "" {
			_, _ = t.To.Write(p)
		} else {
			for _, line := range strings.SplitAfter(string(p), "\n") {
				if line != "" {
					_, _ = io.WriteString(t.To, t.Prefix+line)
				}
			}
		}
	}
	return len(p), nil
}

// String is the kept output.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
