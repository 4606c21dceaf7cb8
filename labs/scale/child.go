package scale

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/loopback"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/scale/app"
)

// InstanceRole is the hidden first argument that turns the nodedive binary
// into one instance of the scaling lab: the primary of a labs/cluster
// cluster (Go workers, or Node's cluster module with the Node app), a
// separate process the lab can kill as a whole, like a host going down.
const InstanceRole = "__scale-instance"

// specEnv carries the instance's spec (JSON) to the child.
const specEnv = "NODEDIVE_SCALE_INSTANCE"

// instanceSpec is what one instance runs.
type instanceSpec struct {
	ID        int             `json:"id"`
	Runtime   cluster.Runtime `json:"runtime"`
	Workers   int             `json:"workers"`
	Port      int             `json:"port"`
	AppConfig json.RawMessage `json:"app_config"`
	NodeApp   string          `json:"node_app,omitempty"`
	Node      string          `json:"node,omitempty"` // the node executable of the Node runtime
	// Forward, when set (network-namespace mode), is an address on the
	// namespace's own interface whose connections are passed to the
	// cluster on 127.0.0.1:Port (clusters only listen on loopback).
	Forward string `json:"forward,omitempty"`
}

// childMsg is one JSON line an instance prints on stdout.
type childMsg struct {
	Event string `json:"event"` // ready, cluster, failed
	// ready
	Port    int          `json:"port,omitempty"`
	Primary int          `json:"primary,omitempty"` // the cluster primary (node's, for the Node runtime)
	Workers []workerRef  `json:"workers,omitempty"`
	Cluster *clusterNote `json:"cluster,omitempty"`
	Error   string       `json:"error,omitempty"`
}

type workerRef struct {
	ID  int `json:"id"`
	PID int `json:"pid"`
}

type clusterNote struct {
	Kind    cluster.EventKind `json:"kind"`
	Worker  int               `json:"worker,omitempty"`
	PID     int               `json:"pid,omitempty"`
	Message string            `json:"message"`
}

// RunChild serves the instance role (and the nginx supervisor role) when args
// (normally os.Args) ask for it, and exits the process; otherwise it returns
// false at once. root.go's
// runChildRole calls it, and so must TestMain in packages whose tests start
// the lab (with cluster.RunChildIfRequested, for the Go workers).
func RunChild(args []string) bool {
	// The lab's nginx runs under this binary's supervisor role too.
	if nginx.RunSupervisor(args) {
		return true
	}
	if len(args) < 2 || args[1] != InstanceRole {
		return false
	}
	os.Exit(runInstance())
	return true
}

// RunChildIfRequested is RunChild(os.Args), for TestMain.
func RunChildIfRequested() { RunChild(os.Args) }

func runInstance() int {
	out := &lineWriter{w: os.Stdout}
	var spec instanceSpec
	if err := json.Unmarshal([]byte(os.Getenv(specEnv)), &spec); err != nil {
		out.send(childMsg{Event: "failed", Error: "bad instance spec: " + err.Error()})
		return 2
	}
	// The instance ends when the lab asks (SIGTERM), on Ctrl-C, or when
	// its stdin closes: the lab that holds the other end is gone.
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()

	c, err := cluster.Start(ctx, cluster.Config{
		Runtime:      spec.Runtime,
		Workers:      spec.Workers,
		Port:         spec.Port,
		App:          appName(spec.Runtime),
		AppConfig:    spec.AppConfig,
		NodeApp:      spec.NodeApp,
		Node:         spec.Node,
		Log:          os.Stderr,
		DrainTimeout: 2 * time.Second,
	})
	if err != nil {
		out.send(childMsg{Event: "failed", Error: err.Error()})
		return 1
	}
	events, stopEvents := c.Subscribe()
	defer stopEvents()
	if spec.Forward != "" {
		if err := forward(ctx, spec.Forward, loopback.Addr(c.Port())); err != nil {
			out.send(childMsg{Event: "failed", Error: err.Error()})
			_ = c.Stop(context.Background())
			return 1
		}
	}
	snap := c.Snapshot()
	ready := childMsg{Event: "ready", Port: c.Port(), Primary: snap.PrimaryPID}
	for _, w := range snap.Workers {
		ready.Workers = append(ready.Workers, workerRef{ID: w.ID, PID: w.PID})
	}
	out.send(ready)
	for ev := range events {
		out.send(childMsg{Event: "cluster", Cluster: &clusterNote{Kind: ev.Kind, Worker: ev.WorkerID, PID: ev.PID, Message: ev.Message}})
	}
	<-c.Done()
	if err := c.Err(); err != nil {
		out.send(childMsg{Event: "failed", Error: err.Error()})
		return 1
	}
	return 0
}

func appName(rt cluster.Runtime) string {
	if rt == cluster.RuntimeNode {
		return "" // the Node runtime uses NodeApp
	}
	return app.Name
}

// forward passes connections from listen (the namespace's address) to the
// cluster on loopback, until ctx ends.
func forward(ctx context.Context, listen, to string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listening on %s in the network namespace: %w", listen, err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				outc, err := net.DialTimeout("tcp", to, 2*time.Second)
				if err != nil {
					return
				}
				defer outc.Close()
				done := make(chan struct{}, 2)
				pipe := func(dst, src net.Conn) {
					_, _ = io.Copy(dst, src)
					if tc, ok := dst.(*net.TCPConn); ok {
						_ = tc.CloseWrite()
					}
					done <- struct{}{}
				}
				go pipe(outc, in)
				go pipe(in, outc)
				<-done
				<-done
			}()
		}
	}()
	return nil
}

// lineWriter prints one JSON object per line, from any goroutine.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) send(m childMsg) {
	b, _ := json.Marshal(m)
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(append(b, '\n'))
}

// readChild decodes an instance's stdout.
func readChild(r io.Reader, f func(childMsg)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var m childMsg
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Event != "" {
			f(m)
		}
	}
}
