package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/labs/emitter/bank"
)

// amounts are the sums the learner cycles through with +/-.
var amounts = []int64{10, 30, 50, 100, 200, 500}

// profileMsg carries the installed node's crash-report details.
type profileMsg struct {
	to
	profile bank.Profile
	err     error
}

// emitterLab is the BankAccount demo of lesson q12: deposit and withdraw,
// switch listeners on and off, and watch which listeners run, in what
// order, and what Node prints when an 'error' has no listener. The model
// reproduces Node exactly; nothing here is a real process that can die.
type emitterLab struct {
	addr
	c       *common
	keys    EmitterKeys
	acct    *bank.Account
	profile bank.Profile
	probed  bool
	amount  int
	script  bool
	err     string
}

func newEmitterLab(c *common) screen {
	l := &emitterLab{addr: c.newAddr(), c: c, keys: c.keys.Emitter, profile: bank.DefaultProfile, amount: 2}
	l.reset()
	return l
}

// reset starts a fresh BankAccount(100) process, keeping the learner's
// choice of listeners.
func (l *emitterLab) reset() {
	o := bank.Options{Profile: &l.profile}
	for _, li := range bank.Listeners {
		switch {
		case l.acct == nil:
		case l.acct.Listening(li):
			o.On = append(o.On, li)
		default:
			o.Off = append(o.Off, li)
		}
	}
	acct, err := bank.New(o)
	if err != nil {
		l.err = err.Error()
		return
	}
	l.acct = acct
}

// Init asks the installed node how its crash report looks (the line
// numbers of node's own files differ between versions), in the background.
func (l *emitterLab) Init() tea.Cmd {
	parent, mail := l.c.ctx, l.mail()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, 10*time.Second)
		defer cancel()
		p, err := bank.Probe(ctx)
		return profileMsg{mail, p, err}
	}
}

func (l *emitterLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case profileMsg:
		l.probed = true
		if msg.err != nil {
			return info("node is not available, so crash reports show Node " + bank.DefaultProfile.Version + "'s exact output")
		}
		l.profile = msg.profile
		if len(l.acct.Log()) == 0 {
			l.reset() // nothing done yet: start over as the installed node
		}
		return nil
	case tea.KeyPressMsg:
		return l.key(msg)
	}
	return nil
}

func (l *emitterLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	if l.acct == nil {
		return nil
	}
	var err error
	switch {
	case key.Matches(msg, k.Deposit):
		_, err = l.acct.Deposit(amounts[l.amount])
	case key.Matches(msg, k.Withdraw):
		_, err = l.acct.Withdraw(amounts[l.amount])
	case key.Matches(msg, k.More):
		l.amount = min(l.amount+1, len(amounts)-1)
	case key.Matches(msg, k.Less):
		l.amount = max(l.amount-1, 0)
	case key.Matches(msg, k.Toggle):
		which := bank.Listeners[int(msg.Text[0]-'1')]
		_, err = l.acct.SetListener(which, !l.acct.Listening(which))
	case key.Matches(msg, k.Restart):
		l.acct.Restart()
		return info("a new process: BankAccount(100) with the listeners that are on")
	case key.Matches(msg, k.Notes):
		l.reset()
		err = l.acct.Run(bank.NotesSteps)
	case key.Matches(msg, k.Script):
		l.script = !l.script
	}
	if err != nil {
		return warn(err.Error())
	}
	if c := l.acct.Exited(); c != nil && (key.Matches(msg, k.Withdraw) || key.Matches(msg, k.Notes)) {
		return warn(fmt.Sprintf("the process died: unhandled 'error' event, exit code %d (press r to restart)", c.ExitCode))
	}
	return nil
}

func (l *emitterLab) View() string {
	c := l.c
	s := c.styles
	w, h := c.width, c.bodyHeight()
	if l.acct == nil {
		return s.Danger.Render(l.err)
	}
	state := s.Success.Render("running")
	if cr := l.acct.Exited(); cr != nil {
		state = s.Danger.Render(fmt.Sprintf("exited with code %d", cr.ExitCode))
	}
	status := fmt.Sprintf("BankAccount  balance $%d  ·  process %s  ·  amount $%d  ·  node %s",
		l.acct.Balance(), state, amounts[l.amount], l.profile.Version)
	head := ansi.Truncate(status, w, "…")

	listeners := l.listenersView()
	log := l.logLines()
	console := l.consoleLines()
	if l.script {
		console = strings.Split(strings.TrimRight(l.acct.Script(), "\n"), "\n")
	}
	consoleTitle := "Console: what node prints"
	if l.script {
		consoleTitle = "This session as a JavaScript program (s to hide)"
	}

	bodyH := h - 1
	if w >= 90 && bodyH >= 12 {
		leftW := 36
		topH := max(bodyH/2, 8)
		left := c.panel("Listeners", listeners, leftW, topH, false)
		right := c.panel("Event log: who ran, in order", strings.Join(tail(wrapLines(log, w-leftW-5), topH-2), "\n"), w-leftW-1, topH, true)
		bottom := c.panel(consoleTitle, strings.Join(l.consoleWindow(wrapLines(console, w-4), bodyH-topH-2), "\n"), w, bodyH-topH, false)
		return head + "\n" + joinColumns(1, left, right) + "\n" + bottom
	}
	// Narrow: stack the three parts, giving the log and console what is left.
	lh := strings.Count(listeners, "\n") + 3
	rest := max(bodyH-lh, 4)
	logH, conH := rest/2, rest-rest/2
	return strings.Join([]string{
		head,
		c.panel("Listeners", listeners, w, lh, false),
		c.panel("Event log", strings.Join(tail(wrapLines(log, w-4), logH-2), "\n"), w, logH, true),
		c.panel("Console", strings.Join(l.consoleWindow(wrapLines(console, w-4), conH-2), "\n"), w, conH, false),
	}, "\n")
}

func (l *emitterLab) listenersView() string {
	s := l.c.styles
	var lines []string
	for i, li := range bank.Listeners {
		box := s.Muted.Render("[ ]")
		name := s.Muted.Render(li.Name())
		if l.acct.Listening(li) {
			box, name = s.Success.Render("[x]"), s.Text.Render(li.Name())
		}
		lines = append(lines, fmt.Sprintf("%d %s %s %s", i+1, box, name, s.Muted.Render("on '"+li.Event()+"'")))
	}
	lines = append(lines, "", s.Muted.Render("d/w deposit/withdraw · +/- amount"), s.Muted.Render("n notes' script · r restart"))
	return strings.Join(lines, "\n")
}

// logLines shows each action, the event it emitted, emit's return value
// and the listeners that ran, in order.
func (l *emitterLab) logLines() []string {
	s := l.c.styles
	var lines []string
	for _, e := range l.acct.Log() {
		lines = append(lines, s.Accent.Render(e.Call))
		if e.Event == "" {
			continue
		}
		ran := s.Muted.Render("no listener ran")
		if len(e.Ran) > 0 {
			ran = strings.Join(e.Ran, s.Muted.Render(" → "))
		}
		if e.Crash != nil {
			lines = append(lines, fmt.Sprintf("  emit('%s') threw · %s", e.Event, ran),
				s.Danger.Render(fmt.Sprintf("  no 'error' listener: the Error is thrown, the process exits with code %d", e.Crash.ExitCode)))
			continue
		}
		lines = append(lines, fmt.Sprintf("  emit('%s') returned %v · %s", e.Event, e.Emitted, ran))
	}
	if len(lines) == 0 {
		lines = append(lines, s.Muted.Render("Nothing yet: press d to deposit, w to withdraw, n for the notes' three calls."))
	}
	return lines
}

// consoleWindow picks n lines of the console: the latest ones, except
// after a crash, where the top of Node's report (the throw site and the
// Error) matters more than the end of the stack trace.
func (l *emitterLab) consoleWindow(lines []string, n int) []string {
	if l.script || l.acct.Exited() == nil || len(lines) <= n {
		return tail(lines, n)
	}
	first := strings.SplitN(l.acct.Exited().Stderr, "\n", 2)[0]
	for i, line := range lines {
		if strings.Contains(ansi.Strip(line), first) {
			start := max(min(i-1, len(lines)-n), 0)
			return lines[start : start+n]
		}
	}
	return tail(lines, n)
}

func (l *emitterLab) consoleLines() []string {
	s := l.c.styles
	var lines []string
	for _, o := range l.acct.Output() {
		if o.Stream == bank.Stderr {
			lines = append(lines, s.Danger.Render(o.Text))
		} else {
			lines = append(lines, o.Text)
		}
	}
	if cr := l.acct.Exited(); cr != nil {
		lines = append(lines, "", s.Warning.Render(fmt.Sprintf("[process exited with code %d: Node would stop here. r starts a new one]", cr.ExitCode)))
	}
	return lines
}

func (l *emitterLab) Title() string   { return "EventEmitter lab" }
func (l *emitterLab) Meta() string    { return "lesson q12 · Examples" }
func (l *emitterLab) Capturing() bool { return false }

func (l *emitterLab) ShortHelp() []key.Binding {
	k := l.keys
	return []key.Binding{k.Deposit, k.Withdraw, k.Toggle, k.More, k.Restart, k.Script}
}

func (l *emitterLab) FullHelp() [][]key.Binding {
	k := l.keys
	return [][]key.Binding{{k.Deposit, k.Withdraw, k.More, k.Less}, {k.Toggle, k.Restart, k.Notes, k.Script}}
}

// exerciseTopic is the topic of the lesson the lab demonstrates: E opens
// its exercises.
func (l *emitterLab) exerciseTopic() string { return labTopic(l.c, "emitter") }
