package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/probe"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/launch"
)

// secureSide is one running app under attack: the Go one or Express.
type secureSide struct {
	runtime  string
	gen      int
	lab      *launch.Lab
	starting bool
	progress string
	err      error
	results  map[string]probe.Result
	running  map[string]bool
	cancel   context.CancelFunc
	ctx      context.Context
	progCh   chan string
}

// Messages of the security lab, addressed to it: a side that finishes
// starting while a lesson covers the lab is up when the learner is back.
type (
	secureStartedMsg struct {
		to
		runtime string
		gen     int
		lab     *launch.Lab
		err     error
	}
	secureProgressMsg struct {
		to
		runtime string
		gen     int
		text    string
		ok      bool
	}
	probeResultMsg struct {
		to
		runtime string
		gen     int
		result  probe.Result
		ok      bool
		rest    <-chan probe.Result
	}
)

// release stops an app whose lab closed while it started.
func (m secureStartedMsg) release() func() {
	if m.lab == nil {
		return nil
	}
	return stopSecureFunc(m.lab)
}

// stopSecureFunc stops a side's app and waits for its processes, bounded.
func stopSecureFunc(lab *launch.Lab) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = lab.Stop(ctx) // leaving: stop what can be stopped; its processes die with nodedive anyway
	}
}

// secureLab is the attack panel of lesson q15: the hardened app in a real
// cluster (Go, and Express beside it on demand), and the probes that attack
// it, one at a time or all, with what each expected and observed.
type secureLab struct {
	addr
	c      *common
	keys   SecureKeys
	probes []probe.Probe
	cursor int
	sides  []*secureSide // [0] Go, [1] Express once started
	detail int
	weak   bool
	store  string
}

func newSecureLab(c *common) screen {
	return &secureLab{
		addr: c.newAddr(), c: c, keys: c.keys.Secure, probes: probe.All(), store: secure.StoreShared,
		sides: []*secureSide{{runtime: launch.RuntimeGo}},
	}
}

func (l *secureLab) Init() tea.Cmd { return l.start(l.sides[0]) }

func (l *secureLab) side(runtime string) *secureSide {
	for _, s := range l.sides {
		if s.runtime == runtime {
			return s
		}
	}
	return nil
}

// start (re)starts one side's app in the background; npm and Redis
// progress comes back through a channel.
func (l *secureLab) start(s *secureSide) tea.Cmd {
	stop := l.stopSide(s)
	s.gen++
	s.starting, s.err, s.progress = true, nil, "starting…"
	s.results, s.running = map[string]probe.Result{}, map[string]bool{}
	s.ctx, s.cancel = context.WithCancel(l.c.ctx)
	s.progCh = make(chan string, 16)
	store := l.store
	if s.runtime == launch.RuntimeNode && store == secure.StoreShared {
		// Node's workers are separate V8 heaps with no shared memory: the
		// Express side keeps its own exact default (primary), and the
		// status line says which store it runs.
		store = ""
	}
	opts := launch.Options{
		Runtime: s.runtime, Workers: 2, Store: store, CacheDir: l.c.cacheDir, Log: discardWriter{},
		Progress: func(msg string) {
			select {
			case s.progCh <- msg:
			default:
			}
		},
	}
	if l.weak && s.runtime == launch.RuntimeGo {
		opts.Weak = secure.AllWeak
	}
	ctx, gen, rt, ch, mail := s.ctx, s.gen, s.runtime, s.progCh, l.mail()
	return tea.Batch(stop, waitSecureProgress(mail, rt, gen, ch), func() tea.Msg {
		lab, err := launch.Start(ctx, opts)
		close(ch)
		return secureStartedMsg{to: mail, runtime: rt, gen: gen, lab: lab, err: err}
	})
}

func waitSecureProgress(mail to, rt string, gen int, ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		text, ok := <-ch
		return secureProgressMsg{to: mail, runtime: rt, gen: gen, text: text, ok: ok}
	}
}

// stopSide cancels a side's work and returns the chore that stops its app
// and waits for its processes.
func (l *secureLab) stopSide(s *secureSide) tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	lab := s.lab
	s.lab = nil
	if lab == nil {
		return nil
	}
	return l.c.chore(stopSecureFunc(lab))
}

// Leave stops both apps; the app's exit waits until they are down.
func (l *secureLab) Leave() tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range l.sides {
		cmds = append(cmds, l.stopSide(s))
	}
	return tea.Batch(cmds...)
}

// runProbes attacks every ready side with the given probes, in a Cmd per
// side; results come back one by one.
func (l *secureLab) runProbes(ps []probe.Probe) tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range l.sides {
		if s.lab == nil {
			continue
		}
		for _, p := range ps {
			s.running[p.Name] = true
			delete(s.results, p.Name)
		}
		// Buffered for every result: the attack never waits for the UI.
		ch := make(chan probe.Result, len(ps))
		target, ctx, rt, gen, mail := s.lab.Target(), s.ctx, s.runtime, s.gen, l.mail()
		cmds = append(cmds, func() tea.Msg {
			probe.Run(ctx, target, ps, func(r probe.Result) { ch <- r })
			close(ch)
			return nil
		}, waitProbe(mail, rt, gen, ch))
	}
	if len(cmds) == 0 {
		return warn("the app is not running yet: wait for its URL in the status line")
	}
	return tea.Batch(cmds...)
}

// waitProbe delivers the next result from ch; the screen asks for the one
// after when it gets it.
func waitProbe(mail to, rt string, gen int, ch <-chan probe.Result) tea.Cmd {
	return func() tea.Msg {
		r, ok := <-ch
		return probeResultMsg{to: mail, runtime: rt, gen: gen, result: r, ok: ok, rest: ch}
	}
}

func (l *secureLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case secureProgressMsg:
		s := l.side(msg.runtime)
		if s == nil || s.gen != msg.gen || !msg.ok {
			return nil
		}
		s.progress = msg.text
		return waitSecureProgress(l.mail(), msg.runtime, msg.gen, s.progCh)
	case secureStartedMsg:
		s := l.side(msg.runtime)
		if s == nil || s.gen != msg.gen {
			if f := msg.release(); f != nil {
				return l.c.chore(f) // a side restarted or closed since
			}
			return nil
		}
		s.starting = false
		if msg.err != nil {
			s.err = msg.err
			return reportError(msg.err)
		}
		s.lab = msg.lab
		return info(fmt.Sprintf("%s app up at %s: enter runs a probe, a runs them all", msg.runtime, msg.lab.URL))
	case probeResultMsg:
		s := l.side(msg.runtime)
		if s == nil || s.gen != msg.gen || !msg.ok {
			return nil
		}
		delete(s.running, msg.result.Name)
		s.results[msg.result.Name] = msg.result
		return waitProbe(l.mail(), msg.runtime, msg.gen, msg.rest)
	case tea.KeyPressMsg:
		return l.key(msg)
	}
	return nil
}

func (l *secureLab) listKeys() listKeys { return l.c.keys.dashList() }

func (l *secureLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	if c, ok := l.listKeys().move(msg, l.cursor, len(l.probes)); ok {
		l.cursor = c
		return nil
	}
	switch {
	case key.Matches(msg, k.Run):
		return l.runProbes(l.probes[l.cursor : l.cursor+1])
	case key.Matches(msg, k.RunAll):
		return l.runProbes(l.probes)
	case key.Matches(msg, k.Side):
		l.detail = (l.detail + 1) % len(l.sides)
	case key.Matches(msg, k.Express):
		if len(l.sides) == 2 {
			stop := l.stopSide(l.sides[1])
			l.sides = l.sides[:1]
			l.detail = 0
			return tea.Batch(stop, info("Express app stopped"))
		}
		s := &secureSide{runtime: launch.RuntimeNode}
		l.sides = append(l.sides, s)
		return tea.Batch(info("starting the Express app: npm ci runs once into the cache, then Node's cluster"), l.c.nodeNotice(), l.start(s))
	case key.Matches(msg, k.Weak):
		l.weak = !l.weak
		what := "defences back on"
		if l.weak {
			what = "every defence off in the Go app: run the probes and watch them fail"
		}
		return tea.Batch(info(what), l.start(l.sides[0]))
	case key.Matches(msg, k.Store):
		i := slices.Index(secure.Stores, l.store)
		l.store = secure.Stores[(i+1)%len(secure.Stores)]
		var cmds []tea.Cmd
		for _, s := range l.sides {
			cmds = append(cmds, l.start(s))
		}
		return tea.Batch(append(cmds, info("rate-limit store: "+l.store+", "+secure.StoreCost(l.store)+" (restarting)"))...)
	case key.Matches(msg, k.Lesson):
		return openLessonAt(l.c, "q15", "Best practices")
	}
	return nil
}

func (l *secureLab) View() string {
	c := l.c
	st := c.styles
	w, h := c.width, c.bodyHeight()
	var status []string
	for _, s := range l.sides {
		status = append(status, l.sideStatus(s))
	}
	head := ansi.Truncate(strings.Join(status, st.Muted.Render("  |  ")), w, "…")
	listH := min(len(l.probes)+3, max(h/2, 6))
	list := c.panel("Probes · q15 › Best practices (the practices table)", l.table(w-4, listH-2), w, listH, true)
	detail := c.panel(l.detailTitle(), strings.Join(l.detailLines(w-4), "\n"), w, max(h-1-listH, 3), false)
	return head + "\n" + list + "\n" + detail
}

func (l *secureLab) sideStatus(s *secureSide) string {
	st := l.c.styles
	name := map[string]string{launch.RuntimeGo: "Go app", launch.RuntimeNode: "Express app"}[s.runtime]
	switch {
	case s.err != nil:
		return st.Danger.Render(name + ": " + s.err.Error())
	case s.starting:
		return st.Warning.Render(name + ": " + s.progress)
	case s.lab == nil:
		return st.Muted.Render(name + ": stopped")
	}
	extra := " · store " + s.lab.Store
	if s.runtime == launch.RuntimeNode && l.store == secure.StoreShared {
		extra += " (Node cannot share memory)"
	}
	if l.weak && s.runtime == launch.RuntimeGo {
		extra += st.Danger.Render(" · DEFENCES OFF")
	}
	return st.Success.Render(name+" "+s.lab.URL) + st.Muted.Render(fmt.Sprintf(" · %d workers", len(s.lab.Workers))) + extra
}

// table lists the probes with a verdict per running app, in h lines: the
// list scrolls with the cursor under its header.
func (l *secureLab) table(w, h int) string {
	st := l.c.styles
	nameW := 20
	head := padRight("probe", nameW) + " " + padRight("lesson row", 22)
	for _, s := range l.sides {
		head += " " + padRight(map[string]string{launch.RuntimeGo: "Go", launch.RuntimeNode: "Express"}[s.runtime], 8)
	}
	head = ansi.Truncate(st.Muted.Render("  "+head), w, "…")
	var lines []string
	for i, p := range l.probes {
		row := padRight(p.Name, nameW) + " " + padRight(ansi.Truncate(p.Lesson, 22, "…"), 22)
		for _, s := range l.sides {
			row += " " + l.verdict(s, p.Name)
		}
		cursor := "  "
		if i == l.cursor {
			cursor = st.Accent.Render(st.Cursor)
		}
		lines = append(lines, ansi.Truncate(cursor+row, w, "…"))
	}
	return strings.Join(append([]string{head}, window(lines, l.cursor, l.cursor, h-1)...), "\n")
}

func (l *secureLab) verdict(s *secureSide, name string) string {
	st := l.c.styles
	r, done := s.results[name]
	switch {
	case s.running[name]:
		return st.Warning.Render(padRight("…", 8))
	case !done:
		return st.Muted.Render(padRight("·", 8))
	case r.Skipped:
		return st.Muted.Render(padRight("skip", 8))
	case r.Pass:
		return st.Success.Render(padRight("PASS", 8))
	}
	return st.Danger.Render(padRight("FAIL", 8))
}

func (l *secureLab) detailTitle() string {
	p := l.probes[l.cursor]
	side := l.sides[min(l.detail, len(l.sides)-1)]
	who := map[string]string{launch.RuntimeGo: "Go app", launch.RuntimeNode: "Express app"}[side.runtime]
	return fmt.Sprintf("%s on the %s (tab switches)", p.Name, who)
}

// detailLines shows the selected probe: the attack, what a hardened server
// does, what this one did, and the headers of the deciding response.
func (l *secureLab) detailLines(w int) []string {
	st := l.c.styles
	p := l.probes[l.cursor]
	side := l.sides[min(l.detail, len(l.sides)-1)]
	lines := wrapIndent(st.Accent.Render("attack    "), p.Attack, w)
	lines = append(lines, wrapIndent(st.Accent.Render("expected  "), p.Expected, w)...)
	r, ok := side.results[p.Name]
	switch {
	case side.running[p.Name]:
		lines = append(lines, st.Warning.Render("running…"))
	case !ok:
		lines = append(lines, st.Muted.Render("not run yet: enter runs it"))
	default:
		verdict := st.Danger.Render("observed  ")
		if r.Pass {
			verdict = st.Success.Render("observed  ")
		}
		lines = append(lines, wrapIndent(verdict, r.Observed, w)...)
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%d requests in %s", r.Requests, r.Duration.Round(time.Millisecond))))
		if r.Status != 0 {
			lines = append(lines, "", st.Accent.Render(fmt.Sprintf("HTTP %d", r.Status)))
			names := make([]string, 0, len(r.Headers))
			for n := range r.Headers {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				lines = append(lines, ansi.Truncate("  "+st.Muted.Render(n+": ")+strings.Join(r.Headers[n], ", "), w, "…"))
			}
		}
	}
	return lines
}

func (l *secureLab) Title() string   { return "Security lab" }
func (l *secureLab) Meta() string    { return "lesson q15" }
func (l *secureLab) Capturing() bool { return false }

func (l *secureLab) ShortHelp() []key.Binding {
	k := l.keys
	return []key.Binding{k.Run, k.RunAll, k.Express, k.Side, k.Weak, k.Store}
}

func (l *secureLab) FullHelp() [][]key.Binding {
	k, g := l.keys, l.c.keys
	return [][]key.Binding{{g.Up, g.Down, g.First, g.Last, k.Run, k.RunAll}, {k.Express, k.Side, k.Weak, k.Store, k.Lesson}}
}

// exerciseTopic is the topic of the lesson the lab demonstrates: E opens
// its exercises.
func (l *secureLab) exerciseTopic() string { return labTopic(l.c, "secure") }
