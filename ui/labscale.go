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

type scaleKeys struct {
	Load, Workload, Kill, Revive, Balancing, Cache, Queue, Sessions, KillRedis, Lesson key.Binding
}

func newScaleKeys() scaleKeys {
	b := bind
	return scaleKeys{
		Load:      b("l", "start/stop load", "l"),
		Workload:  b("w", "workload", "w"),
		Kill:      b("x", "kill instance", "x"),
		Revive:    b("v", "revive instance", "v"),
		Balancing: b("b", "balancing", "b"),
		Cache:     b("c", "cache mode", "c"),
		Queue:     b("u", "queue on/off", "u"),
		Sessions:  b("S", "check sessions", "S"),
		KillRedis: b("R", "kill Redis", "R"),
		Lesson:    b("o", "open the lesson", "o"),
	}
}

// Messages of the scaling lab.
type (
	scaleStartedMsg struct {
		lab *scale.Lab
		err error
	}
	scaleProgressMsg struct {
		text string
		ok   bool
	}
	scaleEventMsg struct {
		ev scale.Event
		ok bool
	}
	scaleSnapshotMsg struct{ snap scale.Snapshot }
	scaleTickMsg     struct{}
	scaleLoadDoneMsg struct {
		run int
		rep *scale.LoadReport
		err error
	}
	scaleActionMsg struct {
		what string
		err  error
	}
)

// scaleLab is the dashboard of lesson q13's lab: client → nginx →
// instances (each a cluster) → Redis, live, with the controls to break and
// mend it.
type scaleLab struct {
	c    *common
	keys scaleKeys

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
	ctx, cancel := context.WithCancel(context.Background())
	return &scaleLab{c: c, keys: newScaleKeys(), ctx: ctx, cancel: cancel, workload: scale.WorkloadHello, starting: true, progress: "starting nginx, Redis and 3 instances…"}
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
	return tea.Batch(waitScaleProgress(ch), func() tea.Msg {
		lab, err := scale.Start(ctx, cfg)
		close(ch)
		return scaleStartedMsg{lab, err}
	})
}

func waitScaleProgress(ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		return scaleProgressMsg{s, ok}
	}
}

func waitScaleEvent(ch <-chan scale.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		return scaleEventMsg{ev, ok}
	}
}

func (l *scaleLab) snapshotCmd() tea.Cmd {
	lab := l.lab
	return func() tea.Msg { return scaleSnapshotMsg{lab.Snapshot()} }
}

// Leave stops the load, the instances, nginx and Redis, and waits
// (bounded) until they are gone.
func (l *scaleLab) Leave() tea.Cmd {
	l.load.stop()
	if l.unsub != nil {
		l.unsub()
	}
	lab := l.lab
	l.lab = nil
	l.cancel()
	return func() tea.Msg {
		if lab != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			lab.Stop(ctx) //nolint:errcheck // on the way out
		}
		return nil
	}
}

func (l *scaleLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case scaleProgressMsg:
		if !msg.ok {
			return nil
		}
		l.progress = msg.text
		return waitScaleProgress(l.progCh)
	case scaleStartedMsg:
		l.starting = false
		if msg.err != nil {
			l.err = msg.err
			return reportError(msg.err)
		}
		if l.ctx.Err() != nil { // left while starting
			go msg.lab.Stop(context.Background()) //nolint:errcheck // the screen is gone; nobody to tell
			return nil
		}
		l.lab = msg.lab
		l.events, l.unsub = l.lab.Subscribe()
		l.log = append(l.log, l.lab.Events()...)
		cmds := []tea.Cmd{waitScaleEvent(l.events), l.snapshotCmd(), l.tick()}
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
		return tea.Batch(waitScaleEvent(l.events), l.snapshotCmd())
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
	return l.c.after(500*time.Millisecond, func() tea.Msg { return scaleTickMsg{} })
}

// action runs a control method in the background and reports the outcome.
func action(what string, f func() error) tea.Cmd {
	return func() tea.Msg { return scaleActionMsg{what: what, err: f()} }
}

func (l *scaleLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k, g := l.keys, l.c.keys
	if l.lab == nil {
		return nil
	}
	lab, ctx := l.lab, l.ctx
	id := 0
	if l.selected < len(l.snap.Instances) {
		id = l.snap.Instances[l.selected].ID
	}
	if c, ok := moveCursor(g, msg, l.selected, len(l.snap.Instances)); ok {
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
					return scaleActionMsg{what: "session check", err: err}
				}
				parts = append(parts, fmt.Sprintf("%s sessions: %d/%d known across %d instances", store, sc.OK, sc.Requests, sc.Instances))
			}
			return scaleActionMsg{what: strings.Join(parts, " · ")}
		}
	case key.Matches(msg, k.KillRedis):
		return action("Redis killed: watch the Redis-backed routes degrade", lab.KillRedis)
	case key.Matches(msg, k.Lesson):
		return openLessonAt(l.c, "q13", "The toolbox")
	}
	return nil
}

func (l *scaleLab) startLoad() tea.Cmd {
	lab := l.lab
	opts := scale.LoadOptions{Workload: l.workload, Duration: 60 * time.Second, MaxRequests: 2_000_000, Connections: 8}
	return l.load.start(l.ctx, func(ctx context.Context, run int, onSample func(load.Sample)) tea.Msg {
		opts.OnSample = onSample
		rep, err := lab.RunLoad(ctx, opts)
		return scaleLoadDoneMsg{run: run, rep: rep, err: err}
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
// fanned out from nginx, then Redis with the cache and queue numbers.
func (l *scaleLab) topology(w int) string {
	st := l.c.styles
	s := l.snap
	ng := st.Danger.Render("nginx down")
	if s.Nginx.Up {
		ng = st.Success.Render(fmt.Sprintf("nginx :%d", s.Nginx.Port)) + st.Muted.Render(fmt.Sprintf(" (%d workers, %d reloads)", len(s.Nginx.Workers), s.Nginx.Reloads))
	}
	left := "client ──▶ " + ng + " ──"
	pad := strings.Repeat(" ", ansi.StringWidth(left))
	var lines []string
	for i, in := range s.Instances {
		branch := "├─▶ "
		switch {
		case len(s.Instances) == 1:
			branch = "──▶ "
		case i == 0:
			branch = "┬─▶ "
		case i == len(s.Instances)-1:
			branch = "└─▶ "
		}
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
		line := fmt.Sprintf("%s%s[%d] %-15s %s  %6d req  %d workers", branch, cursor, in.ID, in.Addr, state, in.Requests, len(in.Workers))
		if in.Fails > 0 {
			line += st.Danger.Render(fmt.Sprintf("  %d failed", in.Fails))
		}
		if i == 0 {
			lines = append(lines, left+line)
		} else {
			lines = append(lines, pad+line)
		}
	}
	redis := st.Danger.Render("Redis down")
	if s.Redis.Up {
		redis = st.Success.Render("Redis " + strings.TrimPrefix(s.Redis.URL, "redis://"))
	}
	cache := fmt.Sprintf("cache %d hits / %d misses (%.0f%%)", s.Cache.Hits, s.Cache.Misses, s.Cache.HitRatio*100)
	queue := fmt.Sprintf("queue +%d ✓%d depth %d", s.Queue.Enqueued, s.Queue.Processed, s.Queue.Depth)
	lines = append(lines, "", pad+"instances ──▶ "+redis, pad+"              "+st.Muted.Render(cache+" · "+queue))
	for i := range lines {
		lines[i] = ansi.Truncate(lines[i], w, "…")
	}
	return strings.Join(lines, "\n")
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
		{g.Up, g.Down, k.Kill, k.Revive},
		{k.Load, k.Workload, k.Balancing, k.Cache, k.Queue},
		{k.Sessions, k.KillRedis, k.Lesson},
	}
}
