package cluster

import (
	"bytes"
	"io"
	"sync"
)

// tailSize is how much of a process's output is kept for crash reports.
const tailSize = 4 << 10

// outputTail keeps the last tailSize bytes a process printed and, when log
// is set, forwards whole lines to it with a prefix.
type outputTail struct {
	mu      sync.Mutex
	prefix  string
	log     io.Writer
	tail    []byte
	partial []byte
}

func newOutputTail(prefix string, log io.Writer) *outputTail {
	return &outputTail{prefix: prefix, log: log}
}

func (o *outputTail) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tail = append(o.tail, p...)
	if len(o.tail) > tailSize {
		o.tail = append(o.tail[:0], o.tail[len(o.tail)-tailSize:]...)
	}
	if o.log != nil {
		o.partial = append(o.partial, p...)
		for {
			i := bytes.IndexByte(o.partial, '\n')
			if i < 0 {
				break
			}
			_, _ = o.log.Write(append([]byte(o.prefix), o.partial[:i+1]...))
			o.partial = o.partial[i+1:]
		}
		if len(o.partial) > tailSize {
			_, _ = o.log.Write(append(append([]byte(o.prefix), o.partial...), '\n'))
			o.partial = o.partial[:0]
		}
	}
	return len(p), nil
}

// String returns the kept output, starting at a line boundary when it was
// cut.
func (o *outputTail) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tail
	if len(t) == tailSize {
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			t = t[i+1:]
		}
	}
	return string(t)
}
