// Package noderun runs JavaScript on the installed node: lesson code blocks,
// quiz snippets and lab experiments. Each run gets a fresh temp directory, a
// time limit and an output cap, and its process group dies with nodedive.
package noderun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
)

// InstallHint tells a learner how to get Node when it is missing.
const InstallHint = "install Node.js 22, 24 or 26 (https://nodejs.org, or your package manager: " +
	"apt install nodejs, brew install node, or nvm install 24) and make sure `node` is on your PATH, " +
	"or pass --node PATH"

// ErrNoNode is returned (wrapped) when no node executable can be found.
var ErrNoNode = errors.New("node was not found")

// Find returns the node executable to run: node when it is set (a path, or a
// name looked up on PATH), otherwise "node" on PATH. A missing one gives an
// error wrapping ErrNoNode that says how to install it. The path is
// absolute, so a child started in another directory runs the same file.
func Find(node string) (string, error) {
	name := node
	if name == "" {
		name = "node"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		if node != "" {
			return "", fmt.Errorf("%w at %s: %w", ErrNoNode, node, err)
		}
		return "", fmt.Errorf("%w on PATH: %s", ErrNoNode, InstallHint)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}

// Version returns the version of node (see Find; "" means the one on PATH)
// without the leading "v", e.g. "24.22.3".
func Version(ctx context.Context, node string) (string, error) {
	path, err := Find(node)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("node --version: %w", err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), nil
}

// File is one source file of a program, written into the run directory.
// Name may contain slashes (e.g. "node_modules/pkg/index.js").
type File struct {
	Name string
	Text string
}

// Program is what to run: its files and which one node executes.
type Program struct {
	Files []File
	// Entry is the file passed to node; empty means the last file.
	Entry string
	// NodeArgs go before the entry file (e.g. "--no-warnings").
	NodeArgs []string
	// Env is added to nodedive's environment.
	Env []string
}

// Options bound a run.
type Options struct {
	// Node is the node executable to run (see Find); empty means the one
	// on PATH.
	Node string
	// Timeout kills the run (its whole process group) when it expires.
	// Zero means 10 seconds.
	Timeout time.Duration
	// MaxOutput caps the bytes kept from stdout and stderr together; the
	// rest is dropped and Result.Truncated is set. Zero means 64 KiB.
	MaxOutput int
	// Dir runs in this existing directory instead of a fresh temp dir.
	Dir string
	// Stdin feeds the program's standard input.
	Stdin string
}

// Result is what a run did.
type Result struct {
	// Output is stdout and stderr interleaved in the order they arrived.
	Output    string
	Stdout    string
	Stderr    string
	ExitCode  int // -1 when killed by a signal
	Signal    string
	TimedOut  bool
	Truncated bool
	Duration  time.Duration
}

// OK reports whether the program exited normally with status 0.
func (r Result) OK() bool { return r.ExitCode == 0 && !r.TimedOut && r.Signal == "" }

// Run writes p's files into a temp directory (removed afterwards) and runs
// the entry file with node. A non-zero exit is not an error: it is reported
// in the Result. Errors are for runs that could not happen at all.
func Run(ctx context.Context, p Program, o Options) (Result, error) {
	node, err := Find(o.Node)
	if err != nil {
		return Result{}, err
	}
	if len(p.Files) == 0 {
		return Result{}, errors.New("nothing to run: the program has no files")
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxOutput <= 0 {
		o.MaxOutput = 64 << 10
	}
	dir := o.Dir
	if dir == "" {
		dir, err = proc.TempDir("nodedive-run-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(dir)
	}
	if err := writeFiles(dir, p.Files); err != nil {
		return Result{}, err
	}
	entry := p.Entry
	if entry == "" {
		entry = p.Files[len(p.Files)-1].Name
	}

	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	args := append(append([]string{}, p.NodeArgs...), entry)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdin = strings.NewReader(o.Stdin)
	out := &capture{limit: o.MaxOutput}
	cmd.Stdout = out.stream(&out.stdout)
	cmd.Stderr = out.stream(&out.stderr)
	proc.Prepare(cmd)

	start := time.Now()
	runErr := cmd.Run()
	res := Result{
		Output:    out.all.String(),
		Stdout:    out.stdout.String(),
		Stderr:    out.stderr.String(),
		Truncated: out.truncated,
		Duration:  time.Since(start),
		TimedOut:  errors.Is(ctx.Err(), context.DeadlineExceeded),
	}
	if cmd.ProcessState == nil {
		return res, fmt.Errorf("starting node: %w", runErr)
	}
	res.ExitCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.Signal = ws.Signal().String()
	}
	if res.TimedOut {
		// The group was killed by the deadline; make sure no grandchild
		// that left the group's pipes open survives.
		_ = proc.KillGroup(cmd)
	}
	return res, nil
}

func writeFiles(dir string, files []File) error {
	for _, f := range files {
		clean := filepath.Clean(f.Name)
		if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
			return fmt.Errorf("file name %q escapes the run directory", f.Name)
		}
		path := filepath.Join(dir, clean)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(f.Text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// capture keeps stdout and stderr, separately and interleaved, up to limit
// bytes in total.
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
	// Report the whole write as consumed so node is not stopped by EPIPE;
	// the excess is dropped, not blocked.
	return len(p), nil
}
