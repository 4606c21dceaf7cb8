package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/load"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/scale"
)

// Messages of the scaling lab, addressed to it: it keeps its events and
// samples while a lesson covers it.
type (
	scaleStartedMsg struct {
		to
		lab *scale.Lab
		err error
	}
	scaleProgressMsg struct {
		to
		text string
		ok   bool
	}
	scaleEventMsg struct {
		to
		ev scale.Event
		ok bool
	}
	scaleSnapshotMsg struct {
		to
		snap scale.Snapshot
	}
	scaleTickMsg     struct{ to }
	scaleLoadDoneMsg struct {
		to
		run int
		rep *scale.LoadReport
		err error
	}
	scaleActionMsg struct {
		to
		what string
		err  error
	}
)

// release stops a lab whose dashboard closed while it started.
func (m scaleStartedMsg) release() func() {
	if m.lab == nil {
		return nil
	}
	return stopScaleFunc(m.lab)
}

// stopScaleFunc stops nginx, the instances and Redis, and waits until they
// are gone, bounded.
func stopScaleFunc(lab *scale.Lab) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = lab.Stop(ctx) // on the way out; its processes die with nodedive anyway
	}
}

// scaleLab is the dashboard of lesson q13's lab: client → nginx →
// instances (each a cluster) → Redis, live, with the controls to break and
// mend it.
type scaleLab struct {
	addr
	c    *common
	keys ScaleKeys

	lab      *scale.Lab
	starting bool
	progress string
	err      error
	ctx      context.Context
	cancel   context.CancelFunc
	progCh   chan string
	events   <-chan scale.Event
	unsub    func()
	snap     scale.Snapshot
	log      []scale.Event

	workload scale.Workload
	load     liveLoad
	selected int
}

func newScaleLab(c *common) screen {
	ctx, cancel := context.WithCancel(c.ctx)
	return &scaleLab{addr: c.newAddr(), c: c, keys: c.keys.Scale, ctx: ctx, cancel: cancel, workload: scale.WorkloadHello, starting: true, progress: "starting nginx, Redis and 3 instances…"}
}

func (l *scaleLab) Init() tea.Cmd {
	l.progCh = make(chan string, 32)
	ch, ctx := l.progCh, l.ctx
	cfg := scale.Config{CacheDir: l.c.cacheDir, Log: discardWriter{}, Progress: func(s string) {
		select {
		case ch <- s:
		default:
		}
	}}
	mail := l.mail()
	return tea.Batch(waitScaleProgress(mail, ch), func() tea.Msg {
		lab, err := scale.Start(ctx, cfg)
		close(ch)
		return scaleStartedMsg{mail, lab, err}
	})
}

func waitScaleProgress(mail to, ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		return scaleProgressMsg{mail, s, ok}
	}
}

func waitScaleEvent(mail to, ch <-chan scale.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		return scaleEventMsg{mail, ev, ok}
	}
}

func (l *scaleLab) snapshotCmd() tea.Cmd {
	lab, mail := l.lab, l.mail()
	return func() tea.Msg { return scaleSnapshotMsg{mail, lab.Snapshot()} }
}

// Leave stops the load, the instances, nginx and Redis; the app's exit
// waits until they are gone.
func (l *scaleLab) Leave() tea.Cmd {
	l.load.stop()
	if l.unsub != nil {
		l.unsub()
	}
	lab := l.lab
	l.lab = nil
	l.cancel()
	if lab == nil {
		return nil
	}
	return l.c.chore(stopScaleFunc(lab))
}

func (l *scaleLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case scaleProgressMsg:
		if !msg.ok {
			return nil
		}
		l.progress = msg.text
		return waitScaleProgress(l.mail(), l.progCh)
	case scaleStartedMsg:
		l.starting = false
		if msg.err != nil {
			l.err = msg.err
			return reportError(msg.err)
		}
		if l.ctx.Err() != nil { // left while starting
			return l.c.chore(msg.release())
		}
		l.lab = msg.lab
		l.events, l.unsub = l.lab.Subscribe()
		l.log = append(l.log, l.lab.Events()...)
		cmds := []tea.Cmd{waitScaleEvent(l.mail(), l.events), l.snapshotCmd(), l.tick()}
		for _, w := range l.lab.Warnings() {
			cmds = append(cmds, warn(w))
		}
		return tea.Batch(cmds...)
	case scaleEventMsg:
		if !msg.ok || l.lab == nil {
			return nil
		}
		l.log = append(l.log, msg.ev)
		if len(l.log) > 200 {
			l.log = l.log[len(l.log)-200:]
		}
		return tea.Batch(waitScaleEvent(l.mail(), l.events), l.snapshotCmd())
	case scaleSnapshotMsg:
		l.snap = msg.snap
		l.selected = min(l.selected, max(len(l.snap.Instances)-1, 0))
		return nil
	case scaleTickMsg:
		if l.lab == nil {
			return nil
		}
		return tea.Batch(l.snapshotCmd(), l.tick())
	case liveSampleMsg:
		return l.load.add(msg, func(s load.Sample) time.Duration { return s.P50 })
	case scaleLoadDoneMsg:
		if !l.load.finished(msg.run) {
			return nil
		}
		if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
			return reportError(msg.err)
		}
		if r := msg.rep; r != nil && r.Result != nil {
			return info(fmt.Sprintf("load done: %d requests, %d errors, %.0f req/s, p50 %s",
				r.Result.Requests, r.Result.Errors, r.Result.RPS, r.Result.Latency.P50.Round(100*time.Microsecond)))
		}
		return nil
	case scaleActionMsg:
		if msg.err != nil {
			return reportError(fmt.Errorf("%s: %w", msg.what, msg.err))
		}
		return success(msg.what)
	case tea.KeyPressMsg:
		return l.key(msg)
	}
	return nil
}

func (l *scaleLab) tick() tea.Cmd {
	mail := l.mail()
	return l.c.after(500*time.Millisecond, func() tea.Msg { return scaleTickMsg{mail} })
}

func (l *scaleLab) listKeys() listKeys { return l.c.keys.dashList() }

func (l *scaleLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	if l.lab == nil {
		return nil
	}
	mail := l.mail()
	// action runs a control method in a Cmd and reports the outcome.
	action := func(what string, f func() error) tea.Cmd {
		return func() tea.Msg { return scaleActionMsg{to: mail, what: what, err: f()} }
	}
	lab, ctx := l.lab, l.ctx
	id := 0
	if l.selected < len(l.snap.Instances) {
		id = l.snap.Instances[l.selected].ID
	}
	if c, ok := l.listKeys().move(msg, l.selected, len(l.snap.Instances)); ok {
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
	case key.Matches(msg, k.Workload):
		ws := scale.Workloads()
		l.workload = ws[(slices.Index(ws, l.workload)+1)%len(ws)]
		return info("workload " + string(l.workload) + " (applies to the next load)")
	case key.Matches(msg, k.Kill):
		return action(fmt.Sprintf("instance %d killed: watch nginx route around it", id), func() error { return lab.KillInstance(id) })
	case key.Matches(msg, k.Revive):
		return action(fmt.Sprintf("instance %d revived", id), func() error { return lab.ReviveInstance(ctx, id) })
	case key.Matches(msg, k.Balancing):
		bs := nginx.Balancings()
		next := bs[(slices.Index(bs, l.snap.Balancing)+1)%len(bs)]
		return action("nginx reloaded with "+string(next), func() error { return lab.SetBalancing(ctx, next) })
	case key.Matches(msg, k.Cache):
		ms := scale.CacheModes()
		next := ms[(slices.Index(ms, l.snap.CacheMode)+1)%len(ms)]
		return action("cache mode "+string(next)+" (the product workload uses it)", func() error { return lab.SetCache(next) })
	case key.Matches(msg, k.Queue):
		on := !l.snap.QueueMode
		lab.SetQueue(on)
		return tea.Batch(l.snapshotCmd(), info(fmt.Sprintf("queue %s (the report workload uses it)", onOff(on))))
	case key.Matches(msg, k.Sessions):
		return func() tea.Msg {
			var parts []string
			for _, store := range []string{"memory", "redis"} {
				sc, err := lab.CheckSessions(ctx, store, 9)
				if err != nil {
					return scaleActionMsg{to: mail, what: "session check", err: err}
				}
				parts = append(parts, fmt.Sprintf("%s sessions: %d/%d known across %d instances", store, sc.OK, sc.Requests, sc.Instances))
			}
			return scaleActionMsg{to: mail, what: strings.Join(parts, " · ")}
		}
	case key.Matches(msg, k.Redis):
		if !l.snap.Redis.Up {
			return action("Redis is back: the Redis-backed routes recover", func() error { return lab.ReviveRedis(ctx) })
		}
		return action("Redis killed: watch the Redis-backed routes degrade; R brings it back", lab.KillRedis)
	case key.Matches(msg, k.Lesson):
		return openLessonAt(l.c, "q13", "The toolbox")
	}
	return nil
}

func (l *scaleLab) startLoad() tea.Cmd {
	lab := l.lab
	opts := scale.LoadOptions{Workload: l.workload, Duration: 60 * time.Second, MaxRequests: 2_000_000, Connections: 8}
	mail := l.mail()
	return l.load.start(l.ctx, mail, func(ctx context.Context, run int, onSample func(load.Sample)) tea.Msg {
		opts.OnSample = onSample
		rep, err := lab.RunLoad(ctx, opts)
		return scaleLoadDoneMsg{to: mail, run: run, rep: rep, err: err}
	})
}

func (l *scaleLab) View() string {
	c := l.c
	st := c.styles
	w, h := c.width, c.bodyHeight()
	switch {
	case l.err != nil:
		return st.Danger.Render("The scaling lab could not start: ") + "\n" + strings.Join(wrapLines([]string{l.err.Error()}, w), "\n")
	case l.lab == nil:
		return st.Warning.Render(ansi.Truncate(l.progress, w, "…"))
	}
	s := l.snap
	head := fmt.Sprintf("%s via nginx · balancing %s · cache %s · queue %s · runtime %s · workload %s",
		s.URL, s.Balancing, s.CacheMode, onOff(s.QueueMode), s.Runtime, l.workload)
	if l.load.running {
		head += st.Warning.Render(" · load running")
	}
	topo := l.topology(w - 4)
	topoH := strings.Count(topo, "\n") + 3
	chartH := 4
	eventsH := max(h-1-topoH-chartH, 3)
	return ansi.Truncate(head, w, "…") + "\n" +
		c.panel("client → nginx → instances → Redis · q13 › The toolbox", topo, w, topoH, true) + "\n" +
		c.panel("Load through nginx", l.chart(w-4), w, chartH, false) + "\n" +
		c.panel("Events", strings.Join(tail(l.eventLines(w-4), eventsH-2), "\n"), w, eventsH, false)
}

// topology draws the live diagram of the lesson: one line per instance
// fanned out from nginx, then Redis with the cache and queue numbers. When
// that does not fit in w, the same diagram in a compact form: nginx on its
// own line and the instances under it, so their state is never cut off.
func (l *scaleLab) topology(w int) string {
	lines := l.wideTopology()
	for _, line := range lines {
		if ansi.StringWidth(line) > w {
			lines = l.compactTopology()
			break
		}
	}
	for i := range lines {
		lines[i] = ansi.Truncate(lines[i], w, "…")
	}
	return strings.Join(lines, "\n")
}

// topologyParts are the pieces both forms of the diagram draw: nginx, one
// line per instance (without its branch), Redis, and the Redis numbers.
func (l *scaleLab) topologyParts() (ng string, instances []string, redis, numbers string) {
	st := l.c.styles
	s := l.snap
	ng = st.Danger.Render("nginx down")
	if s.Nginx.Up {
		ng = st.Success.Render(fmt.Sprintf("nginx :%d", s.Nginx.Port)) + st.Muted.Render(fmt.Sprintf(" (%d workers, %d reloads)", len(s.Nginx.Workers), s.Nginx.Reloads))
	}
	for i, in := range s.Instances {
		state := st.Success.Render("● healthy")
		switch {
		case !in.Alive:
			state = st.Danger.Render("✗ dead")
		case in.MarkedDown:
			state = st.Warning.Render("◌ marked down by nginx")
		case !in.Healthy:
			state = st.Warning.Render("◌ unhealthy")
		}
		cursor := " "
		if i == l.selected {
			cursor = st.Accent.Render("▸")
		}
		line := fmt.Sprintf("%s[%d] %-15s %s  %6d req  %d workers", cursor, in.ID, in.Addr, state, in.Requests, len(in.Workers))
		if in.Fails > 0 {
			line += st.Danger.Render(fmt.Sprintf("  %d failed", in.Fails))
		}
		instances = append(instances, line)
	}
	redis = st.Danger.Render("Redis down")
	if s.Redis.Up {
		redis = st.Success.Render("Redis " + strings.TrimPrefix(s.Redis.URL, "redis://"))
	}
	cache := fmt.Sprintf("cache %d hits / %d misses (%.0f%%)", s.Cache.Hits, s.Cache.Misses, s.Cache.HitRatio*100)
	queue := fmt.Sprintf("queue +%d ✓%d depth %d", s.Queue.Enqueued, s.Queue.Processed, s.Queue.Depth)
	return ng, instances, redis, st.Muted.Render(cache + " · " + queue)
}

// branch is the connector before instance i of n.
func branch(i, n int, first string) string {
	switch {
	case n == 1:
		return "──▶ "
	case i == 0:
		return first
	case i == n-1:
		return "└─▶ "
	}
	return "├─▶ "
}

// wideTopology: client, nginx and the instances on one line each.
func (l *scaleLab) wideTopology() []string {
	ng, instances, redis, numbers := l.topologyParts()
	left := "client ──▶ " + ng + " ──"
	pad := strings.Repeat(" ", ansi.StringWidth(left))
	var lines []string
	for i, in := range instances {
		lead := pad
		if i == 0 {
			lead = left
		}
		lines = append(lines, lead+branch(i, len(instances), "┬─▶ ")+in)
	}
	return append(lines, "", pad+"instances ──▶ "+redis, pad+"              "+numbers)
}

// compactTopology: nginx, then the instances under it, then Redis.
func (l *scaleLab) compactTopology() []string {
	ng, instances, redis, numbers := l.topologyParts()
	lines := []string{"client ──▶ " + ng}
	for i, in := range instances {
		lines = append(lines, "  "+branch(i, len(instances), "├─▶ ")+in)
	}
	return append(lines, "", "instances ──▶ "+redis, "  "+numbers)
}

func (l *scaleLab) chart(w int) string {
	st := l.c.styles
	total := fmt.Sprintf("%d requests, %d errors through nginx", l.snap.Requests, l.snap.Errors)
	return strings.Join(append(l.load.chart(st, "p50 latency ms", w), st.Muted.Render(ansi.Truncate(total, w, "…"))), "\n")
}

func (l *scaleLab) eventLines(w int) []string {
	st := l.c.styles
	var lines []string
	for _, ev := range l.log {
		s := st.Text
		switch ev.Kind {
		case scale.EventInstanceKilled, scale.EventInstanceExited, scale.EventRedisDown, scale.EventNginxExited, scale.EventNoLiveUpstreams, scale.EventUpstreamFailed:
			s = st.Danger
		case scale.EventMarkedDown, scale.EventWarning:
			s = st.Warning
		case scale.EventInstanceUp, scale.EventRejoined, scale.EventRedisUp, scale.EventQueueDrained:
			s = st.Success
		}
		lines = append(lines, ansi.Truncate(st.Muted.Render(ev.Time.Format("15:04:05"))+" "+s.Render(ev.Message), w, "…"))
	}
	return lines
}

func (l *scaleLab) Title() string   { return "Scaling lab" }
func (l *scaleLab) Meta() string    { return "lesson q13" }
func (l *scaleLab) Capturing() bool { return false }

func (l *scaleLab) ShortHelp() []key.Binding {
	k := l.keys
	return []key.Binding{k.Load, k.Kill, k.Revive, k.Balancing, k.Cache, k.Queue, k.Workload}
}

func (l *scaleLab) FullHelp() [][]key.Binding {
	k, g := l.keys, l.c.keys
	return [][]key.Binding{
		{g.Up, g.Down, g.First, g.Last, k.Kill, k.Revive},
		{k.Load, k.Workload, k.Balancing, k.Cache, k.Queue},
		{k.Sessions, k.Redis, k.Lesson},
	}
}

// exerciseTopic is the topic of the lesson the lab demonstrates: E opens
// its exercises.
func (l *scaleLab) exerciseTopic() string { return labTopic(l.c, "scale") }
