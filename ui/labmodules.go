package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/labs/modules"
)

// nodeVersionMsg reports the installed node (or why there is none).
type nodeVersionMsg struct {
	to
	version string
	err     error
}

// experimentRunMsg delivers one experiment's outcome.
type experimentRunMsg struct {
	to
	name   string
	result modules.Result
	err    error
}

// modRun is what the learner predicted and what node did.
type modRun struct {
	prediction string
	running    bool
	result     *modules.Result
	err        error
}

// modulesLab runs lesson q11's module experiments on the installed node:
// read the code, predict what it prints, run it, compare.
type modulesLab struct {
	addr
	c       *common
	keys    ModulesKeys
	exps    []*modules.Experiment
	cursor  int
	node    string
	nodeErr error
	runs    map[string]*modRun
	editing bool
	input   textarea.Model
	scroll  int
	ctx     context.Context
	cancel  context.CancelFunc
	loadErr error
}

func newModulesLab(c *common) screen {
	ctx, cancel := context.WithCancel(c.ctx)
	l := &modulesLab{addr: c.newAddr(), c: c, keys: c.keys.Modules, runs: map[string]*modRun{}, ctx: ctx, cancel: cancel}
	l.exps, l.loadErr = modules.All()
	l.input = textarea.New()
	l.input.Placeholder = "Type what you think node prints, then ctrl+r"
	l.input.ShowLineNumbers = false
	l.input.Prompt = "│ "
	st := l.input.Styles()
	st.Cursor.Blink = false
	l.input.SetStyles(st)
	return l
}

func (l *modulesLab) Init() tea.Cmd {
	ctx, mail := l.ctx, l.mail()
	return tea.Batch(l.c.nodeNotice(), func() tea.Msg {
		v, err := noderun.Version(ctx, "")
		return nodeVersionMsg{mail, v, err}
	})
}

// Leave stops experiments still running: their node processes die with
// the context.
func (l *modulesLab) Leave() tea.Cmd {
	l.cancel()
	return nil
}

func (l *modulesLab) current() *modules.Experiment {
	if len(l.exps) == 0 {
		return nil
	}
	return l.exps[l.cursor]
}

func (l *modulesLab) run(e *modules.Experiment) tea.Cmd {
	if l.nodeErr != nil {
		return warn("Node.js is needed to run experiments: " + noderun.InstallHint)
	}
	r := l.runs[e.Name]
	if r == nil {
		r = &modRun{}
		l.runs[e.Name] = r
	}
	if r.running {
		return nil
	}
	r.running, r.result, r.err = true, nil, nil
	ctx, ver, mail := l.ctx, l.node, l.mail()
	return func() tea.Msg {
		res, err := modules.Check(ctx, e, ver)
		return experimentRunMsg{to: mail, name: e.Name, result: res, err: err}
	}
}

func (l *modulesLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case nodeVersionMsg:
		l.node, l.nodeErr = msg.version, msg.err
		l.layout() // the banner's height may have changed
		return nil
	case experimentRunMsg:
		r := l.runs[msg.name]
		if r == nil {
			return nil
		}
		r.running = false
		defer l.layout()
		if msg.err != nil {
			r.err = msg.err
			return reportError(msg.err)
		}
		r.result = &msg.result
		return nil
	case stylesChangedMsg:
		l.layout()
	case tea.KeyPressMsg:
		if l.editing {
			return l.editKey(msg)
		}
		return l.key(msg)
	case tea.PasteMsg:
		if l.editing {
			var cmd tea.Cmd
			l.input, cmd = l.input.Update(msg)
			return cmd
		}
	}
	return nil
}

func (l *modulesLab) listKeys() listKeys { return l.c.keys.list() }

func (l *modulesLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	e := l.current()
	if e == nil {
		return nil
	}
	defer l.layout()
	if c, ok := l.listKeys().move(msg, l.cursor, len(l.exps)); ok {
		l.cursor, l.scroll = c, 0
		return nil
	}
	switch {
	case key.Matches(msg, k.ScrollDown):
		l.scroll += 5
	case key.Matches(msg, k.ScrollUp):
		l.scroll = max(l.scroll-5, 0)
	case key.Matches(msg, k.Predict):
		l.editing = true
		if r := l.runs[e.Name]; r != nil {
			l.input.SetValue(r.prediction)
		} else {
			l.input.Reset()
		}
		return l.input.Focus()
	case key.Matches(msg, k.Run):
		return l.run(e)
	case key.Matches(msg, k.RunAll):
		var cmds []tea.Cmd
		for _, x := range l.exps {
			cmds = append(cmds, l.run(x))
		}
		return tea.Batch(cmds...)
	}
	return nil
}

func (l *modulesLab) editKey(msg tea.KeyPressMsg) tea.Cmd {
	k := l.keys
	e := l.current()
	switch {
	case key.Matches(msg, k.StopEdit):
		l.editing = false
		l.input.Blur()
		l.savePrediction(e)
		l.layout()
		return nil
	case key.Matches(msg, k.Submit):
		l.editing = false
		l.input.Blur()
		l.savePrediction(e)
		cmd := l.run(e)
		l.layout()
		return cmd
	}
	var cmd tea.Cmd
	l.input, cmd = l.input.Update(msg)
	return cmd
}

func (l *modulesLab) savePrediction(e *modules.Experiment) {
	r := l.runs[e.Name]
	if r == nil {
		r = &modRun{}
		l.runs[e.Name] = r
	}
	r.prediction = l.input.Value()
}

// reflow joins the lines of each paragraph of s, so that it wraps to the
// pane's width rather than where its source broke it.
func reflow(s string) string {
	paras := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

// normalizeOutput compares outputs the way a person would: line by line,
// ignoring surrounding spaces and blank lines at either end.
func normalizeOutput(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// Layout of the modules lab: the experiments listed on the left from this
// width, above the detail on narrower terminals.
const (
	modulesSideBySide = 70
	predictionLines   = 6
)

// listWidth is the width of the experiments list beside the detail.
func (l *modulesLab) listWidth() int { return min(34, max(l.c.width/3, 22)) }

// banner says which node runs the experiments, or how to get one: that
// hint is wrapped, never cut.
func (l *modulesLab) banner() []string {
	s := l.c.styles
	w := max(l.c.width, 1)
	switch {
	case l.nodeErr != nil:
		return wrapLines([]string{s.Danger.Render("Node.js is needed for this lab. ") + s.Muted.Render(noderun.InstallHint)}, w)
	case l.node == "":
		return []string{ansi.Truncate(s.Muted.Render("Looking for node…"), w, "…")}
	}
	return []string{ansi.Truncate(s.Muted.Render("Experiments run on your node v"+l.node+" in a temporary directory."), w, "…")}
}

// detailSize is the detail pane's size: beside the list, or under a
// one-line list on narrow terminals (both under the banner).
func (l *modulesLab) detailSize() (w, h int) {
	w, h = l.c.width, l.c.bodyHeight()-len(l.banner())
	if w < modulesSideBySide {
		return w, h - 1
	}
	return w - l.listWidth() - 1, h
}

// Resize is the modules lab's resize hook.
func (l *modulesLab) Resize() tea.Cmd {
	l.layout()
	return nil
}

// layout sizes the prediction box for the detail pane and keeps the code's
// scroll in range; it runs on resize and on every change of what the
// detail shows.
func (l *modulesLab) layout() {
	w, h := l.detailSize()
	l.input.SetWidth(max(w-2, 10))
	l.input.SetHeight(max(min(predictionLines, h/3), 2))
	if e := l.current(); e != nil {
		top, bottom := l.detailParts(e, w)
		l.scroll = min(l.scroll, max(len(l.codeLines(e))-l.codeHeight(h, top, bottom), 0))
	}
}

// codeHeight is what the code gets of the detail pane's h lines.
func (l *modulesLab) codeHeight(h int, top, bottom []string) int {
	return max(h-len(top)-len(bottom)-1, 3)
}

func (l *modulesLab) View() string {
	c := l.c
	s := c.styles
	w := c.width
	if l.loadErr != nil {
		return s.Danger.Render(l.loadErr.Error())
	}
	banner := strings.Join(l.banner(), "\n")
	dw, dh := l.detailSize()
	if w < modulesSideBySide {
		// Narrow: the list collapses to one line above the detail.
		e := l.current()
		head := ansi.Truncate(fmt.Sprintf("%s %d/%d %s (j/k)", s.Accent.Render("Experiment"), l.cursor+1, len(l.exps), e.Title), w, "…")
		return banner + "\n" + head + "\n" + l.detail(dw, dh)
	}
	listW := l.listWidth()
	list := c.panel("Experiments", l.listView(listW-4, dh-2), listW, dh, !l.editing)
	return banner + "\n" + joinColumns(1, list, fitBlock(l.detail(dw, dh), dw, dh))
}

func (l *modulesLab) listView(w, h int) string {
	s := l.c.styles
	var lines []string
	for i, e := range l.exps {
		mark := s.Muted.Render("·")
		if r := l.runs[e.Name]; r != nil {
			switch {
			case r.running:
				mark = s.Warning.Render("…")
			case r.result != nil && r.result.Pass:
				mark = s.Success.Render("✓")
			case r.result != nil || r.err != nil:
				mark = s.Danger.Render("✗")
			}
		}
		title := ansi.Truncate(e.Title, max(w-2, 1), "…")
		if i == l.cursor {
			title = s.ItemSelected.Render(padRight(title, w-2))
		}
		lines = append(lines, mark+" "+title)
	}
	return strings.Join(window(lines, l.cursor, l.cursor, h), "\n")
}

// detailParts are the lines above the code (the title and the question)
// and below it (the prediction box, the result, or the hint), each wrapped
// to w: the code gets what is left.
func (l *modulesLab) detailParts(e *modules.Experiment, w int) (top, bottom []string) {
	s := l.c.styles
	top = wrapLines([]string{s.Title.Render(e.Title), s.Text.Render(reflow(e.Question))}, w)
	top = append(top, "")
	r := l.runs[e.Name]
	switch {
	case l.editing:
		bottom = wrapLines([]string{s.Accent.Render("Your prediction") + s.Muted.Render("  (ctrl+r runs it, esc stops typing)")}, w)
		bottom = append(bottom, strings.Split(l.input.View(), "\n")...)
	case r != nil && r.running:
		bottom = []string{s.Warning.Render("Running on node…")}
	case r != nil && r.result != nil:
		bottom = l.resultLines(e, r, w)
	default:
		bottom = wrapLines([]string{s.Muted.Render("p: predict what it prints · r: run it now")}, w)
	}
	return top, bottom
}

// detail shows the question, the code, the learner's prediction and, once
// run, node's output against the expectation, in w x h.
func (l *modulesLab) detail(w, h int) string {
	e := l.current()
	if e == nil {
		return ""
	}
	top, bottom := l.detailParts(e, w)
	codeH := l.codeHeight(h, top, bottom)
	if room := h - len(top) - codeH - 1; len(bottom) > room {
		// What the learner types or reads last matters more than the
		// question's first lines.
		top = top[:max(len(top)-(len(bottom)-room), 1)]
	}
	code := l.codeLines(e)
	start := min(l.scroll, len(code))
	code = code[start:min(start+codeH, len(code))]
	for i := range code {
		code[i] = ansi.Truncate(code[i], w, "…")
	}
	for len(code) < codeH {
		code = append(code, "")
	}
	out := append(append(top, code...), "")
	out = append(out, bottom...)
	return strings.Join(out, "\n")
}

// codeLines shows each file of the experiment under its name.
func (l *modulesLab) codeLines(e *modules.Experiment) []string {
	s := l.c.styles
	var lines []string
	for i, f := range e.Files {
		if i > 0 {
			lines = append(lines, "")
		}
		marker := ""
		if f.Name == e.Entry {
			marker = s.Muted.Render("  ← node runs this")
		}
		lines = append(lines, s.Accent.Render("// "+f.Name)+marker)
		for _, line := range strings.Split(strings.TrimRight(f.Text, "\n"), "\n") {
			lines = append(lines, "  "+strings.ReplaceAll(line, "\t", "  "))
		}
	}
	return lines
}

func (l *modulesLab) resultLines(e *modules.Experiment, r *modRun, w int) []string {
	s := l.c.styles
	res := r.result
	var lines []string
	verdict := s.Success.Render("✓ node printed what the lesson says for v" + l.node)
	if !res.Pass {
		verdict = s.Danger.Render("✗ node printed something else than expected: " + res.Diff)
	}
	lines = append(lines, verdict)
	if p := normalizeOutput(r.prediction); p != "" {
		if p == normalizeOutput(res.Observed) {
			lines = append(lines, s.Success.Render("✓ your prediction was right"))
		} else {
			lines = append(lines, s.Warning.Render("✗ your prediction differs. You said:"))
			for _, p := range strings.Split(p, "\n") {
				lines = append(lines, s.Muted.Render("  "+p))
			}
		}
	}
	lines = append(lines, s.Accent.Render("node printed:"))
	for _, o := range strings.Split(strings.TrimRight(res.Observed, "\n"), "\n") {
		lines = append(lines, "  "+o)
	}
	if e.Explanation != "" {
		lines = append(lines, s.Muted.Render(strings.TrimSpace(e.Explanation)))
	}
	return wrapLines(strings.Split(strings.Join(lines, "\n"), "\n"), w)
}

func (l *modulesLab) Title() string   { return "Modules lab" }
func (l *modulesLab) Meta() string    { return "lesson q11" }
func (l *modulesLab) Capturing() bool { return l.editing }

func (l *modulesLab) ShortHelp() []key.Binding {
	k, g := l.keys, l.c.keys
	if l.editing {
		return []key.Binding{k.Submit, k.StopEdit}
	}
	// Predict and run first: they are what the lab is for.
	return []key.Binding{k.Predict, k.Run, k.RunAll, g.Up, g.Down, k.ScrollDown}
}

func (l *modulesLab) FullHelp() [][]key.Binding {
	k, g := l.keys, l.c.keys
	if l.editing {
		return [][]key.Binding{{k.Submit, k.StopEdit}}
	}
	return [][]key.Binding{{g.Up, g.Down, k.ScrollDown, k.ScrollUp}, {k.Predict, k.Run, k.RunAll}}
}

// exerciseTopic is the topic of the lesson the lab demonstrates: E opens
// its exercises.
func (l *modulesLab) exerciseTopic() string { return labTopic(l.c, "modules") }
