package sandbox

import (
	"bytes"
	"sync"
)

// capture keeps stdout and stderr, separately and interleaved, up to limit
// bytes in total. Beyond that it drops output but keeps accepting it, so a
// program that prints without end is stopped by the time limit rather than
// blocked on a full pipe.
type capture struct {
	mu             sync.Mutex
	limit          int
	all            bytes.Buffer
	stdout, stderr bytes.Buffer
	truncated      bool
}

type captureStream struct {
	c   *capture
	buf *bytes.Buffer
}

func (c *capture) stream(buf *bytes.Buffer) *captureStream { return &captureStream{c: c, buf: buf} }

func (s *captureStream) Write(p []byte) (int, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	room := s.c.limit - s.c.all.Len()
	keep := p
	if len(keep) > room {
		keep = keep[:max(room, 0)]
		s.c.truncated = true
	}
	s.c.all.Write(keep)
	s.buf.Write(keep)
	return len(p), nil
}

func (c *capture) allString() string    { return c.locked(&c.all) }
func (c *capture) stdoutString() string { return c.locked(&c.stdout) }
func (c *capture) stderrString() string { return c.locked(&c.stderr) }

func (c *capture) locked(b *bytes.Buffer) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return b.String()
}

func (c *capture) isTruncated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.truncated
}
