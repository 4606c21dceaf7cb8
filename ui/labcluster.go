package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/load"
)

// Load started from the dashboard is bounded like the headless lab's.
const (
	dashLoadDuration    = 60 * time.Second
	dashLoadMaxRequests = 2_000_000
	dashLoadConns       = 8
)

// Messages from the cluster and the load generator, all addressed to the
// dashboard: they reach it while a lesson covers it.
type (
	clusterStartedMsg struct {
		to
		gen int
		cl  *cluster.Cluster
		err error
	}
	clusterEventMsg struct {
		to
		gen int
		ev  cluster.Event
		ok  bool
	}
	clusterSnapshotMsg struct {
		to
		gen  int
		snap cluster.Snapshot
	}
	clusterTickMsg struct {
		to
		gen int
	}
	loadDoneMsg struct {
		to
		run int
		res *load.Result
		err error
	}
	clusterActionMsg struct {
		to
		what string
		err  error
	}
)

// release stops a cluster whose dashboard closed while it started.
func (m clusterStartedMsg) release() func() {
	if m.cl == nil {
		return nil
	}
	return stopClusterFunc(m.cl)
}

// stopClusterFunc stops cl gracefully (it drains its workers, killing
// those still running after the cluster's deadline) and waits for it.
func stopClusterFunc(cl *cluster.Cluster) func() {
	return func() { _ = cl.Stop(context.Background()) } // its own deadline; the error was reported as events
}

// dashPanel is a panel of a lab dashboard and the lesson section it
// demonstrates.
type dashPanel struct {
	title   string
	lesson  string
	section string
}

var clusterPanels = []dashPanel{
	{"Workers", "q14", "The shape of a cluster"},
	{"Requests/s and latency", "q14", "How connections reach workers: two scheduling policies"},
	{"Events", "q14", "The primary's job: supervision"},
}

// clusterLab is the dashboard of the cluster lab: a real cluster (the Go
// one re-executes nodedive; the Node one runs the lesson's server.js),
// load from labs/load, and the controls Node's cluster module has.
type clusterLab struct {
	addr
	c    *common
	keys ClusterKeys

	runtime   cluster.Runtime
	policy    cluster.Policy
	workers   int
	keepAlive bool

	// gen counts cluster starts, so messages from an old cluster are
	// recognised and dropped after a restart.
	gen     int
	cl      *cluster.Cluster
	ctx     context.Context
	cancel  context.CancelFunc
	events  <-chan cluster.Event
	unsub   func()
	snap    cluster.Snapshot
	log     []cluster.Event
	failure string

	load       liveLoad
	lastResult *load.Result

	selected int
	panel    int
}

func newClusterLab(c *common) screen {
	return &clusterLab{addr: c.newAddr(), c: c, keys: c.keys.Cluster, runtime: cluster.RuntimeGo, policy: cluster.PolicyRR, workers: 2}
}

func (l *clusterLab) Init() tea.Cmd { return l.start() }

// start (re)starts the cluster with the current settings, in a Cmd; the
// cluster it replaces stops in the background.
func (l *clusterLab) start() tea.Cmd {
	stop := l.stopCluster()
	l.gen++
	gen, mail := l.gen, l.mail()
	l.ctx, l.cancel = context.WithCancel(l.c.ctx)
	l.snap, l.log, l.failure, l.selected = cluster.Snapshot{}, nil, "", 0
	cfg := cluster.Config{Runtime: l.runtime, Workers: l.workers, Policy: l.policy, Log: discardWriter{}}
	ctx := l.ctx
	return tea.Batch(stop, func() tea.Msg {
		cl, err := cluster.Start(ctx, cfg)
		return clusterStartedMsg{to: mail, gen: gen, cl: cl, err: err}
	})
}

// discardWriter swallows worker output: the dashboard shows events instead,
// and stray writes would tear the screen.
type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// stopCluster ends the load and the running cluster (its context ends:
// it starts draining at once), and returns the chore that waits until its
// workers are gone.
func (l *clusterLab) stopCluster() tea.Cmd {
	l.load.stop()
	if l.unsub != nil {
		l.unsub()
		l.unsub = nil
	}
	if l.cancel != nil {
		l.cancel()
	}
	cl := l.cl
	l.cl = nil
	if cl == nil {
		return nil
	}
	return l.c.chore(stopClusterFunc(cl))
}

// Leave stops the load and the cluster; the app's exit waits for the
// workers to be gone.
func (l *clusterLab) Leave() tea.Cmd { return l.stopCluster() }

func waitClusterEvent(mail to, gen int, ch <-chan cluster.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		return clusterEventMsg{to: mail, gen: gen, ev: ev, ok: ok}
	}
}

func (l *clusterLab) snapshotCmd() tea.Cmd {
	cl, gen, mail := l.cl, l.gen, l.mail()
	return func() tea.Msg { return clusterSnapshotMsg{to: mail, gen: gen, snap: cl.Snapshot()} }
}

func (l *clusterLab) tickCluster(gen int) tea.Cmd {
	mail := l.mail()
	return l.c.after(500*time.Millisecond, func() tea.Msg { return clusterTickMsg{mail, gen} })
}

func (l *clusterLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case clusterStartedMsg:
		if msg.gen != l.gen {
			if f := msg.release(); f != nil {
				return l.c.chore(f) // a cluster the settings have moved on from
			}
			return nil
		}
		if msg.err != nil {
			l.failure = msg.err.Error()
			return reportError(msg.err)
		}
		l.cl = msg.cl
		l.events, l.unsub = l.cl.Subscribe()
		l.log = append(l.log, l.cl.Events()...)
		return tea.Batch(waitClusterEvent(l.mail(), l.gen, l.events), l.snapshotCmd(), l.tickCluster(l.gen))
	case clusterEventMsg:
		if msg.gen != l.gen || !msg.ok {
			return nil
		}
		l.log = append(l.log, msg.ev)
		if len(l.log) > 200 {
			l.log = l.log[len(l.log)-200:]
		}
		cmds := []tea.Cmd{waitClusterEvent(l.mail(), l.gen, l.events), l.snapshotCmd()}
		if msg.ev.Kind == cluster.EventCrashLoop {
			cmds = append(cmds, warn(msg.ev.Message))
		}
		return tea.Batch(cmds...)
	case clusterSnapshotMsg:
		if msg.gen == l.gen {
			l.snap = msg.snap
			l.selected = min(l.selected, max(len(l.snap.Workers)-1, 0))
		}
		return nil
	case clusterTickMsg:
		if msg.gen != l.gen || l.cl == nil {
			return nil
		}
		select {
		case <-l.cl.Done():
			if err := l.cl.Err(); err != nil {
				l.failure = err.Error()
			}
			return l.snapshotCmd()
		default:
		}
		return tea.Batch(l.snapshotCmd(), l.tickCluster(l.gen))
	case liveSampleMsg:
		return l.load.add(msg, func(s load.Sample) time.Duration { return s.P99 })
	case loadDoneMsg:
		if !l.load.finished(msg.run) {
			return nil
		}
		if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
			return reportError(msg.err)
		}
		l.lastResult = msg.res
		if msg.res != nil {
			return info(fmt.Sprintf("load done: %d requests, %d errors, %.0f req/s, p99 %s",
				msg.res.Requests, msg.res.Errors, msg.res.RPS, msg.res.Latency.P99.Round(time.Microsecond*100)))
		}
		return nil
	case clusterActionMsg:
		if msg.err != nil {
			return reportError(fmt.Errorf("%s: %w", msg.what, msg.err))
		}
		return success(msg.what + " done")
	case tea.KeyPressMsg:
		return l.key(msg)
	}
	return nil
}

// startLoad runs labs/load against the cluster until stopped, bounded in
// time and count.
func (l *clusterLab) startLoad() tea.Cmd {
	if l.cl == nil {
		return warn("the cluster is not running yet")
	}
	cfg := load.Config{
		URL: l.cl.URL(), Duration: dashLoadDuration, MaxRequests: dashLoadMaxRequests,
		Connections: dashLoadConns, KeepAlive: l.keepAlive, Timeout: 2 * time.Second,
	}
	mail := l.mail()
	return l.load.start(l.ctx, mail, func(ctx context.Context, run int, onSample func(load.Sample)) tea.Msg {
		cfg.OnSample = onSample
		res, err := load.Run(ctx, cfg)
		return loadDoneMsg{to: mail, run: run, res: res, err: err}
	})
}

// listKeys leave g free: it switches the runtime here.
func (l *clusterLab) listKeys() listKeys { return l.c.keys.dashList() }

func (l *clusterLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	if c, ok := l.listKeys().move(msg, l.selected, len(l.snap.Workers)); ok {
		l.selected = c
		return nil
	}
	switch {
	case key.Matches(msg, k.Load):
		if l.load.running {
			l.load.stop()
			return nil
		}
		return l.startLoad()
	case key.Matches(msg, k.Kill):
		if l.cl == nil || len(l.snap.Workers) == 0 {
			return nil
		}
		w := l.snap.Workers[l.selected]
		cl, mail := l.cl, l.mail()
		return func() tea.Msg {
			return clusterActionMsg{to: mail, what: fmt.Sprintf("kill worker %d (pid %d)", w.ID, w.PID), err: cl.KillWorker(w.ID)}
		}
	case key.Matches(msg, k.Restart):
		if l.cl == nil {
			return nil
		}
		cl, ctx, mail := l.cl, l.ctx, l.mail()
		return tea.Batch(info("rolling restart: one worker at a time"), func() tea.Msg {
			return clusterActionMsg{to: mail, what: "rolling restart", err: cl.RollingRestart(ctx)}
		})
	case key.Matches(msg, k.Policy):
		if l.policy == cluster.PolicyRR {
			l.policy = cluster.PolicyNone
		} else {
			l.policy = cluster.PolicyRR
		}
		return tea.Batch(info("restarting the cluster with policy "+string(l.policy)), l.start())
	case key.Matches(msg, k.Runtime):
		if l.runtime == cluster.RuntimeGo {
			l.runtime = cluster.RuntimeNode
		} else {
			l.runtime = cluster.RuntimeGo
		}
		var notice tea.Cmd
		if l.runtime == cluster.RuntimeNode {
			notice = l.c.nodeNotice()
		}
		return tea.Batch(info("restarting the cluster on "+string(l.runtime)), notice, l.start())
	case key.Matches(msg, k.More):
		if l.workers < 8 {
			l.workers++
			return l.start()
		}
	case key.Matches(msg, k.Fewer):
		if l.workers > 1 {
			l.workers--
			return l.start()
		}
	case key.Matches(msg, k.KeepAlive):
		l.keepAlive = !l.keepAlive
		state := "off: every request opens a new connection, so round-robin spreads requests"
		if l.keepAlive {
			state = "on: each load connection sticks to the worker that accepted it"
		}
		return info("keep-alive " + state + " (applies to the next load)")
	case key.Matches(msg, k.Panel):
		l.panel = (l.panel + 1) % len(clusterPanels)
	case key.Matches(msg, k.Lesson):
		p := clusterPanels[l.panel]
		return openLessonAt(l.c, p.lesson, p.section)
	}
	return nil
}

func (l *clusterLab) View() string {
	c := l.c
	s := c.styles
	w, h := c.width, c.bodyHeight()
	status := fmt.Sprintf("runtime %s · policy %s · %d workers · keep-alive %s",
		l.runtime, l.policy, l.workers, onOff(l.keepAlive))
	switch {
	case l.failure != "":
		status = s.Danger.Render("cluster failed: ") + l.failure
	case l.cl == nil:
		status = s.Warning.Render("starting the cluster… ") + status
	default:
		status = s.Success.Render(l.cl.URL()) + "  " + status
		if l.load.running {
			status += s.Warning.Render("  · load running")
		}
	}
	head := ansi.Truncate(status, w, "…")
	bodyH := h - 1
	workersH := min(len(l.snap.Workers)+4, max(bodyH/2, 5))
	chartsH := 5
	eventsH := max(bodyH-workersH-chartsH, 3)

	workers := c.panel(l.panelTitle(0), l.workersView(w-4, workersH-2), w, workersH, l.panel == 0)
	charts := c.panel(l.panelTitle(1), l.chartsView(w-4), w, chartsH, l.panel == 1)
	events := c.panel(l.panelTitle(2), strings.Join(tail(l.eventLines(w-4), eventsH-2), "\n"), w, eventsH, l.panel == 2)
	return head + "\n" + workers + "\n" + charts + "\n" + events
}

func (l *clusterLab) panelTitle(i int) string {
	p := clusterPanels[i]
	return fmt.Sprintf("%s · %s › %s", p.title, p.lesson, p.section)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// workersView is the workers table in h lines: the rows scroll with the
// cursor between the header and the totals.
func (l *clusterLab) workersView(w, h int) string {
	s := l.c.styles
	head := ansi.Truncate(s.Muted.Render(fmt.Sprintf("  %-4s %-8s %-10s %9s %7s %6s %10s", "ID", "PID", "STATE", "REQUESTS", "SHARE", "CONNS", "RSS")), w, "…")
	var lines []string
	var total uint64
	for _, wk := range l.snap.Workers {
		total += wk.Requests
	}
	for i, wk := range l.snap.Workers {
		share := 0.0
		if total > 0 {
			share = float64(wk.Requests) / float64(total) * 100
		}
		st := s.Text
		switch wk.State {
		case cluster.StateListening:
			st = s.Success
		case cluster.StateDraining, cluster.StateStarting:
			st = s.Warning
		}
		line := fmt.Sprintf("%-4d %-8d %s %9d %6.1f%% %6d %10s", wk.ID, wk.PID, st.Render(fmt.Sprintf("%-10s", wk.State)),
			wk.Requests, share, wk.Conns, humanBytes(wk.RSS))
		cursor := "  "
		if i == l.selected {
			cursor = s.Accent.Render(s.Cursor)
		}
		lines = append(lines, ansi.Truncate(cursor+line, w, "…"))
	}
	if len(l.snap.Workers) == 0 {
		lines = append(lines, s.Muted.Render("  no workers yet"))
	}
	foot := ansi.Truncate(s.Muted.Render(fmt.Sprintf("  primary pid %d · respawns %d · rolling restarts %d", l.snap.PrimaryPID, l.snap.Respawns, l.snap.Restarts)), w, "…")
	rows := window(lines, l.selected, l.selected, h-2)
	return strings.Join(append(append([]string{head}, rows...), foot), "\n")
}

func (l *clusterLab) chartsView(w int) string {
	s := l.c.styles
	var split []string
	for _, wk := range l.snap.Workers {
		if n := l.load.perWorker[wk.PID]; n > 0 {
			split = append(split, fmt.Sprintf("pid %d: %d", wk.PID, n))
		}
	}
	note := s.Muted.Render("this load: " + strings.Join(split, " · "))
	if len(split) == 0 {
		note = s.Muted.Render("press s to start load (8 connections, keep-alive " + onOff(l.keepAlive) + ")")
	}
	return strings.Join(append(l.load.chart(s, "p99 latency ms", w), ansi.Truncate(note, w, "…")), "\n")
}

func (l *clusterLab) eventLines(w int) []string {
	s := l.c.styles
	var lines []string
	for _, ev := range l.log {
		st := s.Text
		switch ev.Kind {
		case cluster.EventExited, cluster.EventKilled, cluster.EventCrashLoop, cluster.EventRestartFailed:
			st = s.Danger
		case cluster.EventRespawned, cluster.EventRestartBegin, cluster.EventRestartStep, cluster.EventDraining:
			st = s.Warning
		case cluster.EventListening, cluster.EventRestartDone:
			st = s.Success
		}
		line := s.Muted.Render(ev.Time.Format("15:04:05")) + " " + st.Render(fmt.Sprintf("%-14s", ev.Kind)) + " " + ev.Message
		lines = append(lines, ansi.Truncate(line, w, "…"))
	}
	if len(lines) == 0 {
		lines = append(lines, s.Muted.Render("waiting for the first worker…"))
	}
	return lines
}

func (l *clusterLab) Title() string { return "Cluster lab" }
func (l *clusterLab) Meta() string  { return "lesson q14" }

func (l *clusterLab) Capturing() bool { return false }

func (l *clusterLab) ShortHelp() []key.Binding {
	k := l.keys
	return []key.Binding{k.Load, k.Kill, k.Restart, k.Policy, k.KeepAlive, k.Lesson}
}

func (l *clusterLab) FullHelp() [][]key.Binding {
	k, g := l.keys, l.c.keys
	return [][]key.Binding{
		{g.Up, g.Down, g.First, g.Last, k.Kill, k.Restart},
		{k.Load, k.KeepAlive, k.Policy, k.Runtime, k.More, k.Fewer},
		{k.Panel, k.Lesson},
	}
}

// openLessonAt opens a lesson at a section title.
func openLessonAt(c *common, id, section string) tea.Cmd {
	l, err := c.course.Find(id)
	if err != nil {
		return reportError(err)
	}
	slug := ""
	if i, err := l.FindSection(section); err == nil {
		slug = l.Sections[i].Slug
	}
	return push(newReaderAt(c, l, slug, 0))
}

// exerciseTopic is the topic of the lesson the lab demonstrates: E opens
// its exercises.
func (l *clusterLab) exerciseTopic() string { return labTopic(l.c, "cluster") }
