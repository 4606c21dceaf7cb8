package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/progress"
	"github.com/nodedive/nodedive/lessons/render"
)

// Reader layout.
const (
	wideLayout = 100 // from this width the contents sit beside the text
	tocWidth   = 32
)

// docKey is what a rendering depends on besides the text.
type docKey struct {
	width int
	style render.Style
}

// renderedMsg delivers a lesson rendered in the background.
type renderedMsg struct {
	to
	lesson string
	key    docKey
	text   []byte
	err    error
}

// match is one search hit: a line and a cell range in its visible text.
type match struct{ line, start, end int }

// reader shows one lesson: the rendered text in a viewport, the table of
// contents beside it (or toggled over it on narrow terminals), section
// jumps, search with highlighted matches, and read tracking.
type reader struct {
	addr
	c      *common
	lesson *lessons.Lesson
	vp     viewport.Model

	// The current rendering: lines as drawn, the same without escapes,
	// the first line of each section and the line after its end.
	doc      docKey
	lines    []string
	plain    []string
	headings []int
	ends     []int
	pending  *docKey // a render in flight

	// Where to put the view once rendered: a section slug and an offset.
	anchorSection string
	anchorOffset  int
	anchorQuery   string // search for this once rendered (from global search)

	// shown is lines with search highlights, shownW their widths.
	shown  []string
	shownW []int
	// The sidebar's last drawing and what it depended on.
	sideKey, sideView string

	// blocks holds the first rendered line of each code block (-1 if not
	// found); run is the output pane of a block run on node.
	blocks []int
	run    *runPane

	tocHidden bool // wide layout: the sidebar is hidden
	tocOpen   bool // narrow layout: the contents replace the text
	tocFocus  bool
	tocCursor int

	input     textinput.Model
	searching bool
	allScope  bool
	query     string
	matches   []match
	current   int
}

func newReader(c *common, l *lessons.Lesson) *reader {
	r := &reader{addr: c.newAddr(), c: c, lesson: l, vp: viewport.New()}
	// Left/right move between sections here, not sideways.
	r.vp.KeyMap.Left.SetEnabled(false)
	r.vp.KeyMap.Right.SetEnabled(false)
	r.vp.MouseWheelDelta = 3
	r.input = newInput(c, "/", "search this lesson (tab: all lessons)")
	if lp := c.progress.Lessons[l.ID]; lp != nil {
		r.anchorSection, r.anchorOffset = lp.Section, lp.Scroll
	}
	return r
}

// newReaderAt opens a lesson at a section slug and line offset within it.
func newReaderAt(c *common, l *lessons.Lesson, section string, offset int) *reader {
	r := newReader(c, l)
	r.anchorSection, r.anchorOffset = section, offset
	return r
}

// newReaderSearching opens a lesson and jumps to the first match of query
// in the given section.
func newReaderSearching(c *common, l *lessons.Lesson, section string, query string) *reader {
	r := newReaderAt(c, l, section, 0)
	r.anchorQuery = query
	return r
}

func (r *reader) Init() tea.Cmd {
	return r.saveVisit()
}

// saveVisit records the lesson as where the learner is.
func (r *reader) saveVisit() tea.Cmd {
	id, now := r.lesson.ID, r.c.now()
	section, offset := r.anchorSection, r.anchorOffset
	return r.c.saveProgress(func(p *progress.Progress) {
		p.Lesson(id).Visited = now
		if p.Last == nil || p.Last.Lesson != id {
			p.Last = &progress.Place{Lesson: id, Section: section, Scroll: offset, At: now}
		}
	})
}

// Leave saves where the learner stopped reading, and stops a code block
// still running.
func (r *reader) Leave() tea.Cmd {
	if r.run != nil && r.run.cancel != nil {
		r.run.cancel()
	}
	if len(r.lines) == 0 {
		return nil
	}
	id, now := r.lesson.ID, r.c.now()
	sec := r.currentSection()
	slug, offset := "", r.vp.YOffset()
	if sec >= 0 {
		slug, offset = r.lesson.Sections[sec].Slug, r.vp.YOffset()-r.headings[sec]
	}
	return r.c.saveProgress(func(p *progress.Progress) {
		l := p.Lesson(id)
		l.Section, l.Scroll = slug, offset
		p.Last = &progress.Place{Lesson: id, Section: slug, Scroll: offset, At: now}
	})
}

// layout returns the text width and whether the sidebar is shown.
func (r *reader) layout() (textWidth int, sidebar bool) {
	w := r.c.width
	if w >= wideLayout && !r.tocHidden {
		return w - tocWidth - 1, true
	}
	return w, false
}

func (r *reader) wantKey() docKey {
	tw, _ := r.layout()
	// One column spare so wide glyphs never wrap at the edge.
	return docKey{width: max(tw-1, render.MinWidth), style: r.c.styles.Markdown}
}

// Resize is the reader's resize hook.
func (r *reader) Resize() tea.Cmd { return r.resize() }

// resize sizes the viewport and the search input, and asks for a rendering
// if the width or style changed. Rendering happens in a Cmd; Update never
// renders.
func (r *reader) resize() tea.Cmd {
	tw, _ := r.layout()
	h := r.c.bodyHeight() - r.runPaneHeight()
	if r.searching || r.query != "" {
		h--
	}
	r.vp.SetWidth(max(tw, 1))
	r.vp.SetHeight(max(h, 1))
	r.input.SetWidth(max(tw-ansi.StringWidth(r.input.Prompt)-2, 1))
	want := r.wantKey()
	if want == r.doc && len(r.lines) > 0 || r.pending != nil && *r.pending == want {
		return nil
	}
	// Keep the reader's place across the re-render.
	if len(r.lines) > 0 && r.anchorSection == "" {
		if sec := r.currentSection(); sec >= 0 {
			r.anchorSection = r.lesson.Sections[sec].Slug
			r.anchorOffset = r.vp.YOffset() - r.headings[sec]
		}
	}
	r.pending = &want
	md, rend, id, mail := r.lesson.Body, r.c.renderer, r.lesson.ID, r.mail()
	return func() tea.Msg {
		out, err := rend.Render(md, want.width, want.style)
		return renderedMsg{to: mail, lesson: id, key: want, text: out, err: err}
	}
}

func (r *reader) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case stylesChangedMsg:
		return r.resize()
	case renderedMsg:
		return r.rendered(msg)
	case runResultMsg:
		return r.runResult(msg)
	case tea.KeyPressMsg:
		if r.searching {
			return r.searchKey(msg)
		}
		if r.tocFocus || r.tocOpen {
			return r.tocKey(msg)
		}
		return r.viewKey(msg)
	case tea.PasteMsg:
		if r.searching {
			var cmd tea.Cmd
			r.input, cmd = r.input.Update(msg)
			return cmd
		}
	case tea.MouseWheelMsg:
		var cmd tea.Cmd
		r.vp, cmd = r.vp.Update(msg)
		return tea.Batch(cmd, r.markRead())
	}
	return nil
}

func (r *reader) rendered(msg renderedMsg) tea.Cmd {
	if msg.lesson != r.lesson.ID || r.pending == nil || msg.key != *r.pending {
		return nil // a stale rendering for an old size
	}
	r.pending = nil
	if msg.err != nil {
		return reportError(msg.err)
	}
	r.doc = msg.key
	r.lines = strings.Split(strings.TrimRight(string(msg.text), "\n"), "\n")
	r.plain = make([]string, len(r.lines))
	for i, l := range r.lines {
		r.plain[i] = ansi.Strip(l)
	}
	r.headings, r.ends = locateSections(r.lesson.Sections, r.plain)
	r.blocks = locateBlocks(r.lesson, r.plain, r.headings)
	r.matches = nil
	if r.query != "" {
		r.find(r.query)
	}
	r.refresh()
	if i := sectionIndex(r.lesson, r.anchorSection); i >= 0 {
		r.vp.SetYOffset(r.headings[i] + max(r.anchorOffset, 0))
	}
	r.anchorSection, r.anchorOffset = "", 0
	if q := r.anchorQuery; q != "" {
		r.anchorQuery = ""
		r.query = q
		r.input.SetValue(q)
		r.resize()
		r.find(q)
		// Jump to the first hit at or after the anchor.
		r.current = 0
		for i, m := range r.matches {
			if m.line >= r.vp.YOffset() {
				r.current = i
				break
			}
		}
		r.refresh()
		r.showCurrent()
	}
	return r.markRead()
}

// locateSections finds each section's heading in the rendered text.
// glamour prints headings as "## Title"; long titles wrap, so a line that
// starts the heading is enough. Sections are searched in order.
func locateSections(sections []lessons.Section, plain []string) (starts, ends []int) {
	starts = make([]int, len(sections))
	next := 0
	for i, s := range sections {
		want := strings.Repeat("#", s.Level) + " " + s.Title
		found := -1
		for j := next; j < len(plain); j++ {
			line := strings.Join(strings.Fields(plain[j]), " ")
			if line == want || len(line) > s.Level+1 && strings.HasPrefix(want, line) && strings.HasPrefix(line, want[:s.Level+1]) {
				found = j
				break
			}
		}
		if found < 0 {
			found = next // keep order even if glamour changed the heading
		}
		starts[i] = found
		next = found + 1
	}
	ends = make([]int, len(sections))
	for i, s := range sections {
		ends[i] = len(plain)
		for j := i + 1; j < len(sections); j++ {
			if sections[j].Level <= s.Level {
				ends[i] = starts[j]
				break
			}
		}
	}
	return starts, ends
}

// refresh puts the lines, with search highlights, into the viewport.
func (r *reader) refresh() {
	y := r.vp.YOffset()
	shown := append([]string(nil), r.lines...)
	byLine := map[int][]lipgloss.Range{}
	for i, m := range r.matches {
		st := r.c.styles.Match
		if i == r.current {
			st = r.c.styles.MatchCurrent
		}
		byLine[m.line] = append(byLine[m.line], lipgloss.NewRange(m.start, m.end, st))
	}
	for line, ranges := range byLine {
		shown[line] = lipgloss.StyleRanges(shown[line], ranges...)
	}
	r.setShown(shown)
	r.vp.SetYOffset(y)
}

// setShown stores the lines to draw with their widths, measured once here
// rather than on every frame. The viewport gets them too: it keeps the
// scroll position and handles the scrolling keys and wheel.
func (r *reader) setShown(shown []string) {
	r.shown = shown
	r.shownW = make([]int, len(shown))
	for i, l := range shown {
		r.shownW[i] = ansi.StringWidth(l)
	}
	r.vp.SetContentLines(append([]string(nil), shown...))
}

// textView draws the visible slice of the lesson, each line exactly w
// cells, from the pre-measured lines.
func (r *reader) textView(w, h int) string {
	var b strings.Builder
	y := r.vp.YOffset()
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		n := y + i
		if n >= len(r.shown) {
			b.WriteString(strings.Repeat(" ", w))
			continue
		}
		switch lw := r.shownW[n]; {
		case lw > w:
			b.WriteString(ansi.Truncate(r.shown[n], w, ""))
		default:
			b.WriteString(r.shown[n])
			b.WriteString(strings.Repeat(" ", w-lw))
		}
	}
	return b.String()
}

// find collects case-insensitive matches of q in the visible text.
func (r *reader) find(q string) {
	r.matches = findMatches(r.plain, q)
	r.current = 0
}

func findMatches(plain []string, q string) []match {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil
	}
	var ms []match
	for i, line := range plain {
		lower := strings.ToLower(line)
		if len(lower) != len(line) {
			lower = line // case folding changed byte offsets: match exactly
		}
		for off := 0; ; {
			j := strings.Index(lower[off:], q)
			if j < 0 {
				break
			}
			start := off + j
			c0 := ansi.StringWidth(line[:start])
			ms = append(ms, match{line: i, start: c0, end: c0 + ansi.StringWidth(line[start:start+len(q)])})
			off = start + len(q)
		}
	}
	return ms
}

func (r *reader) showCurrent() {
	if r.current < 0 || r.current >= len(r.matches) {
		return
	}
	line := r.matches[r.current].line
	y, h := r.vp.YOffset(), r.vp.Height()
	if line < y || line >= y+h {
		r.vp.SetYOffset(line - h/3)
	}
}

func (r *reader) viewKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	switch {
	case key.Matches(msg, k.Top):
		r.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		r.vp.GotoBottom()
	case key.Matches(msg, k.NextSection):
		r.jumpSection(+1)
	case key.Matches(msg, k.PrevSection):
		r.jumpSection(-1)
	case key.Matches(msg, k.TOC):
		if _, wide := r.layout(); wide || r.c.width >= wideLayout {
			r.tocHidden = !r.tocHidden
			r.tocFocus = false
			return r.resize()
		}
		r.tocOpen = true
		r.tocCursor = max(r.currentSection(), 0)
	case key.Matches(msg, k.FocusTOC):
		if _, wide := r.layout(); wide {
			r.tocFocus = true
			r.tocCursor = max(r.currentSection(), 0)
		} else {
			r.tocOpen = true
			r.tocCursor = max(r.currentSection(), 0)
		}
	case key.Matches(msg, k.Search):
		r.searching = true
		r.input.SetValue(r.query)
		r.input.CursorEnd()
		return tea.Batch(r.input.Focus(), r.resize())
	case key.Matches(msg, k.NextMatch):
		r.stepMatch(+1)
	case key.Matches(msg, k.PrevMatch):
		r.stepMatch(-1)
	case key.Matches(msg, k.OpenLab):
		return openLabFor(r.c, r.lesson)
	case key.Matches(msg, k.OpenQuiz):
		return openQuizFor(r.c, r.lesson)
	case key.Matches(msg, k.RunBlock):
		return runBlockFor(r)
	default:
		var cmd tea.Cmd
		r.vp, cmd = r.vp.Update(msg)
		return tea.Batch(cmd, r.markRead())
	}
	return r.markRead()
}

func (r *reader) stepMatch(d int) {
	if len(r.matches) == 0 {
		return
	}
	r.current = (r.current + d + len(r.matches)) % len(r.matches)
	r.refresh()
	r.showCurrent()
}

// jumpSection moves to the next or previous section heading.
func (r *reader) jumpSection(d int) {
	if len(r.headings) == 0 {
		return
	}
	cur := r.currentSection()
	target := cur + 1
	if d < 0 {
		target = cur - 1
		// Inside a section, "previous" first goes back to its heading.
		if cur >= 0 && r.headings[cur] < r.vp.YOffset() {
			target = cur
		}
	}
	switch {
	case target < 0:
		r.vp.GotoTop()
	case target >= len(r.headings):
		r.vp.GotoBottom()
	default:
		r.vp.SetYOffset(r.headings[target])
	}
}

// currentSection is the last section whose heading is at or above the top
// line of the view, or -1 before the first heading.
func (r *reader) currentSection() int {
	y := r.vp.YOffset()
	cur := -1
	for i, h := range r.headings {
		if h <= y {
			cur = i
		}
	}
	if cur < 0 && len(r.headings) > 0 && r.headings[0] < y+r.vp.Height() {
		cur = 0
	}
	return cur
}

// markRead records sections whose last line is on screen: scrolling
// through a section reads it; jumping over it does not.
func (r *reader) markRead() tea.Cmd {
	if len(r.lines) == 0 {
		return nil
	}
	y, h := r.vp.YOffset(), r.vp.Height()
	var slugs []string
	for i, s := range r.lesson.Sections {
		last := r.ends[i] - 1
		if last >= y && last < y+h && !r.c.progress.IsRead(r.lesson.ID, s.Slug) {
			slugs = append(slugs, s.Slug)
		}
	}
	if len(slugs) == 0 {
		return nil
	}
	id := r.lesson.ID
	return r.c.saveProgress(func(p *progress.Progress) {
		for _, s := range slugs {
			p.MarkRead(id, s)
		}
	})
}

func (r *reader) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	switch {
	case key.Matches(msg, k.Cancel):
		r.searching = false
		r.input.Blur()
		r.query, r.matches = "", nil
		r.refresh()
		return r.resize()
	case key.Matches(msg, k.SwitchScope):
		r.allScope = !r.allScope
		r.updatePlaceholder()
		return nil
	case key.Matches(msg, k.Submit):
		q := strings.TrimSpace(r.input.Value())
		r.searching = false
		r.input.Blur()
		if r.allScope {
			r.allScope = false
			r.updatePlaceholder()
			r.query = ""
			r.refresh()
			return tea.Batch(r.resize(), push(newSearch(r.c, q)))
		}
		r.query = q
		r.find(q)
		// Start from the first match at or below the current position.
		for i, m := range r.matches {
			if m.line >= r.vp.YOffset() {
				r.current = i
				break
			}
		}
		r.refresh()
		r.showCurrent()
		cmd := r.resize()
		if q != "" && len(r.matches) == 0 {
			return tea.Batch(cmd, warn(fmt.Sprintf("%q is not in this lesson: press / then tab to search all lessons", q)))
		}
		return cmd
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	return cmd
}

func (r *reader) updatePlaceholder() {
	if r.allScope {
		r.input.Prompt = "all lessons /"
		r.input.Placeholder = "search every lesson (tab: this lesson)"
	} else {
		r.input.Prompt = "/"
		r.input.Placeholder = "search this lesson (tab: all lessons)"
	}
	tw, _ := r.layout()
	r.input.SetWidth(max(tw-ansi.StringWidth(r.input.Prompt)-2, 1))
}

func (r *reader) tocKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	n := len(r.lesson.Sections)
	switch {
	case key.Matches(msg, k.Up):
		r.tocCursor = (r.tocCursor - 1 + n) % n
	case key.Matches(msg, k.Down):
		r.tocCursor = (r.tocCursor + 1) % n
	case key.Matches(msg, k.Select):
		if r.tocCursor < len(r.headings) {
			r.vp.SetYOffset(r.headings[r.tocCursor])
		}
		r.tocOpen, r.tocFocus = false, false
		return r.markRead()
	case key.Matches(msg, k.FocusTOC), key.Matches(msg, k.TOC), msg.String() == "esc":
		r.tocOpen, r.tocFocus = false, false
	}
	return nil
}

func (r *reader) View() string {
	c := r.c
	tw, sidebar := r.layout()
	h := c.bodyHeight() - r.runPaneHeight()
	body := r.textAndSidebar(tw, h, sidebar)
	if r.run != nil {
		body += "\n" + r.runPaneView(c.width)
	}
	return body
}

// textAndSidebar draws the lesson text (and the contents beside it) in h
// lines.
func (r *reader) textAndSidebar(tw, h int, sidebar bool) string {
	c := r.c
	var text string
	switch {
	case len(r.lines) == 0:
		text = c.styles.Muted.Render("\n  Rendering " + r.lesson.Title + "…")
	case r.tocOpen:
		text = r.tocView(tw, h)
	default:
		th := h
		if r.searching || r.query != "" {
			th--
		}
		text = r.textView(tw, th)
	}
	if r.searching || r.query != "" {
		text = fitBlock(text, tw, h-1) + "\n" + fitBlock(r.searchBar(tw), tw, 1)
	}
	if !sidebar {
		return text
	}
	side := strings.Split(r.sidebar(h), "\n")
	main := strings.Split(fitBlock(text, tw, h), "\n")
	for i := range main {
		main[i] += " " + side[i]
	}
	return strings.Join(main, "\n")
}

// sidebar is the contents drawn beside the text, fitted to its column;
// it only changes when the section, cursor or read state does, so the
// last drawing is reused.
func (r *reader) sidebar(h int) string {
	key := fmt.Sprintf("%d/%d/%v/%d/%d/%t", r.currentSection(), r.tocCursor, r.tocFocus, h,
		len(r.c.progress.Lessons[r.lesson.ID].GetRead()), r.c.styles.Dark)
	if key != r.sideKey {
		r.sideKey = key
		r.sideView = fitBlock(r.tocView(tocWidth, h), tocWidth, h)
	}
	return r.sideView
}

func (r *reader) searchBar(w int) string {
	s := r.c.styles
	if r.searching {
		return r.input.View()
	}
	hits := "no matches"
	if n := len(r.matches); n > 0 {
		hits = fmt.Sprintf("match %d of %d  (n/N to move, / to change, esc clears)", r.current+1, n)
	}
	return ansi.Truncate(s.Prompt.Render("/"+r.query)+s.Muted.Render("  "+hits), w, "…")
}

// tocView draws the table of contents: read sections ticked, the current
// one highlighted, the cursor shown when the contents have focus.
func (r *reader) tocView(w, h int) string {
	s := r.c.styles
	cur := r.currentSection()
	focus := r.tocFocus || r.tocOpen
	lines := []string{s.Title.Render(ansi.Truncate("Contents", w, "…"))}
	for i, sec := range r.lesson.Sections {
		mark := "  "
		if r.c.progress.IsRead(r.lesson.ID, sec.Slug) {
			mark = s.TOCRead.Render("✓ ")
		}
		indent := strings.Repeat("  ", sec.Level-2)
		title := ansi.Truncate(indent+sec.Title, max(w-3, 1), "…")
		st := s.TOCItem
		if i == cur {
			st = s.TOCActive
		}
		line := mark + st.Render(title)
		if focus && i == r.tocCursor {
			line = s.TOCCursor.Render(padRight(ansi.Strip(mark)+indent+ansi.Strip(title), w))
		}
		lines = append(lines, line)
	}
	// Keep the cursor (or current section) in view.
	anchor := cur + 1
	if focus {
		anchor = r.tocCursor + 1
	}
	if len(lines) > h && h > 0 {
		start := min(max(anchor-h/2, 0), len(lines)-h)
		lines = lines[start : start+h]
	}
	return strings.Join(lines, "\n")
}

func (r *reader) Title() string { return r.lesson.ID + " " + r.lesson.Title }

func (r *reader) Meta() string {
	if len(r.lines) == 0 {
		return ""
	}
	sec := r.currentSection()
	pct := int(r.vp.ScrollPercent()*100 + 0.5)
	if sec < 0 {
		return fmt.Sprintf("%d%%", pct)
	}
	return fmt.Sprintf("§%d/%d %s · %d%%", sec+1, len(r.lesson.Sections), r.lesson.Sections[sec].Title, pct)
}

func (r *reader) Capturing() bool { return r.searching }

// exerciseTopic is the lesson's topic: E opens its exercises.
func (r *reader) exerciseTopic() string { return r.lesson.QuizTopic }

// Back closes what is open in the reader (contents, search results, the
// run pane) before the reader itself.
func (r *reader) Back() (tea.Cmd, bool) {
	switch {
	case r.run != nil:
		return r.closeRun(), true
	case r.tocOpen || r.tocFocus:
		r.tocOpen, r.tocFocus = false, false
		return nil, true
	case r.query != "":
		r.query, r.matches = "", nil
		r.refresh()
		return r.resize(), true
	}
	return nil, false
}

func (r *reader) ShortHelp() []key.Binding {
	k := r.c.keys
	if r.searching {
		return []key.Binding{k.Submit, k.SwitchScope, k.Cancel}
	}
	if r.tocFocus || r.tocOpen {
		return []key.Binding{k.Up, k.Down, k.Select, k.TOC}
	}
	return []key.Binding{k.Down, k.NextSection, k.TOC, k.Search, k.OpenQuiz, k.OpenLab, k.Exercises}
}

func (r *reader) FullHelp() [][]key.Binding {
	k := r.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom},
		{k.NextSection, k.PrevSection, k.TOC, k.FocusTOC},
		{k.Search, k.NextMatch, k.PrevMatch},
		{k.OpenLab, k.OpenQuiz, k.RunBlock},
	}
}
