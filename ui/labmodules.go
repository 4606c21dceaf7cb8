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

type modulesKeys struct {
	Predict, Run, RunAll, Submit, StopEdit, ScrollDown, ScrollUp key.Binding
}

func newModulesKeys() modulesKeys {
	b := bind
	return modulesKeys{
		Predict:    b("p/enter", "predict the output", "p", "enter"),
		Run:        b("r", "run on node", "r"),
		RunAll:     b("a", "run all", "a"),
		Submit:     b("ctrl+r", "run and compare", "ctrl+r", "ctrl+s"),
		StopEdit:   b("esc", "stop typing", "esc"),
		ScrollDown: b("pgdn", "scroll code", "pgdown", "space"),
		ScrollUp:   b("pgup", "scroll code", "pgup", "b"),
	}
}

// nodeVersionMsg reports the installed node (or why there is none).
type nodeVersionMsg struct {
	version string
	err     error
}

// experimentRunMsg delivers one experiment's outcome.
type experimentRunMsg struct {
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
	c       *common
	keys    modulesKeys
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
	ctx, cancel := context.WithCancel(context.Background())
	l := &modulesLab{c: c, keys: newModulesKeys(), runs: map[string]*modRun{}, ctx: ctx, cancel: cancel}
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
	return func() tea.Msg {
		v, err := noderun.Version(context.Background(), "")
		return nodeVersionMsg{v, err}
	}
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
	ctx, ver := l.ctx, l.node
	return func() tea.Msg {
		res, err := modules.Check(ctx, e, ver)
		return experimentRunMsg{name: e.Name, result: res, err: err}
	}
}

func (l *modulesLab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case nodeVersionMsg:
		l.node, l.nodeErr = msg.version, msg.err
		return nil
	case experimentRunMsg:
		r := l.runs[msg.name]
		if r == nil {
			return nil
		}
		r.running = false
		if msg.err != nil {
			r.err = msg.err
			return reportError(msg.err)
		}
		r.result = &msg.result
		return nil
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

func (l *modulesLab) key(msg tea.KeyPressMsg) tea.Cmd {
	k, g := l.keys, l.c.keys
	e := l.current()
	if e == nil {
		return nil
	}
	if c, ok := moveCursor(g, msg, l.cursor, len(l.exps)); ok {
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
		return nil
	case key.Matches(msg, k.Submit):
		l.editing = false
		l.input.Blur()
		l.savePrediction(e)
		return l.run(e)
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

// normalizeOutput compares outputs the way a person would: line by line,
// ignoring surrounding spaces and blank lines at either end.
func normalizeOutput(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func (l *modulesLab) View() string {
	c := l.c
	s := c.styles
	w, h := c.width, c.bodyHeight()
	if l.loadErr != nil {
		return s.Danger.Render(l.loadErr.Error())
	}
	var banner string
	switch {
	case l.nodeErr != nil:
		banner = s.Danger.Render("Node.js is needed for this lab. ") + s.Muted.Render(noderun.InstallHint)
	case l.node == "":
		banner = s.Muted.Render("Looking for node…")
	default:
		banner = s.Muted.Render("Experiments run on your node v" + l.node + " in a temporary directory.")
	}
	banner = ansi.Truncate(banner, w, "…")
	bodyH := h - 1
	listW := min(34, max(w/3, 22))
	if w < 70 {
		// Narrow: the list collapses to one line above the detail.
		e := l.current()
		head := ansi.Truncate(fmt.Sprintf("%s %d/%d %s (j/k)", s.Accent.Render("Experiment"), l.cursor+1, len(l.exps), e.Title), w, "…")
		return banner + "\n" + head + "\n" + l.detail(w, bodyH-1)
	}
	list := c.panel("Experiments", l.listView(listW-4, bodyH-2), listW, bodyH, !l.editing)
	detail := l.detail(w-listW-1, bodyH)
	return banner + "\n" + joinColumns(1, list, fitBlock(detail, w-listW-1, bodyH))
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
	if len(lines) > h && h > 0 {
		start := min(max(l.cursor-h/2, 0), len(lines)-h)
		lines = lines[start : start+h]
	}
	return strings.Join(lines, "\n")
}

// detail shows the question, the code, the learner's prediction and, once
// run, node's output against the expectation.
func (l *modulesLab) detail(w, h int) string {
	s := l.c.styles
	e := l.current()
	if e == nil {
		return ""
	}
	r := l.runs[e.Name]
	var top []string
	top = append(top, s.Title.Render(e.Title), s.Text.Render(e.Question), "")

	var bottom []string
	switch {
	case l.editing:
		l.input.SetWidth(max(w-2, 10))
		l.input.SetHeight(max(min(6, h/3), 2))
		bottom = append(bottom, s.Accent.Render("Your prediction")+s.Muted.Render("  (ctrl+r runs it, esc stops typing)"), l.input.View())
	case r != nil && r.running:
		bottom = append(bottom, s.Warning.Render("Running on node…"))
	case r != nil && r.result != nil:
		bottom = append(bottom, l.resultLines(e, r, w)...)
	default:
		bottom = append(bottom, s.Muted.Render("p: predict what it prints · r: run it now"))
	}

	codeH := max(h-len(top)-len(bottom)-1, 3)
	code := l.codeLines(e)
	l.scroll = min(l.scroll, max(len(code)-codeH, 0))
	code = code[l.scroll:min(l.scroll+codeH, len(code))]
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
		lines = append(lines, s.Muted.Render(ansi.Wrap(strings.TrimSpace(e.Explanation), w, "")))
	}
	return strings.Split(strings.Join(lines, "\n"), "\n")
}

func (l *modulesLab) Title() string   { return "Modules lab" }
func (l *modulesLab) Meta() string    { return "lesson q11" }
func (l *modulesLab) Capturing() bool { return l.editing }

func (l *modulesLab) ShortHelp() []key.Binding {
	k, g := l.keys, l.c.keys
	if l.editing {
		return []key.Binding{k.Submit, k.StopEdit}
	}
	return []key.Binding{g.Up, g.Down, k.Predict, k.Run, k.RunAll, k.ScrollDown}
}

func (l *modulesLab) FullHelp() [][]key.Binding {
	k, g := l.keys, l.c.keys
	return [][]key.Binding{{g.Up, g.Down, k.ScrollDown, k.ScrollUp}, {k.Predict, k.Submit, k.StopEdit}, {k.Run, k.RunAll}}
}
