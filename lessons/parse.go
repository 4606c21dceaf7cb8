package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/nodedive/nodedive/internal/noderun"
)

// CodeBlock is one fenced code block of a lesson.
//
// The fence's info string is the language followed by optional words:
// "runnable" marks a block that runs on node and exits 0 (the tests check
// it), "file=NAME" names the file it is saved as, "entry=NAME" picks the file
// node runs. Inside a block, a line "// file: NAME" starts a new file, so one
// block can show a small multi-file project (math.js + app.js).
//
// The "output" blocks after a runnable block (up to the next other code
// block) state what it prints; they are its Outputs, not blocks of their
// own, so block numbers count only the code. An HTML comment on its own
// line right before a block, <!-- unchecked: why --> or <!-- checked-by:
// lab NAME -->, says why the block is not run by `nodedive check`.
type CodeBlock struct {
	Index    int               `json:"index"` // 0-based in the lesson
	Lang     string            `json:"lang"`
	Runnable bool              `json:"runnable"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Text     string            `json:"text"`
	// Section is the index of the innermost section holding the block,
	// or -1 before the first heading.
	Section int `json:"section"`
	// Line is the 1-based line of the lesson file where the opening
	// fence is.
	Line int `json:"line"`
	// Outputs are the block's output blocks in document order.
	Outputs []Expectation `json:"outputs,omitempty"`
	// Unchecked is the reason of an <!-- unchecked: why --> marker.
	Unchecked string `json:"unchecked,omitempty"`
	// CheckedBy is the lab of a <!-- checked-by: lab NAME --> marker.
	CheckedBy string `json:"checked_by,omitempty"`
}

// fileMarker starts a new file inside a multi-file code block.
const fileMarker = "// file: "

// Program splits the block into files for noderun. Files come from
// "// file: NAME" marker lines; text before the first marker goes to the
// file named by the file= attribute, else main.js (main.mjs for mjs blocks).
func (b CodeBlock) Program() noderun.Program {
	defaultName := b.Attrs["file"]
	if defaultName == "" {
		defaultName = "main.js"
		if b.Lang == "mjs" || b.Lang == "cjs" {
			defaultName = "main." + b.Lang
		}
	}
	var files []noderun.File
	cur := noderun.File{Name: defaultName}
	for _, line := range strings.SplitAfter(b.Text, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), fileMarker); ok {
			if strings.TrimSpace(cur.Text) != "" {
				files = append(files, cur)
			}
			cur = noderun.File{Name: strings.TrimSpace(name)}
			continue
		}
		cur.Text += line
	}
	if strings.TrimSpace(cur.Text) != "" || len(files) == 0 {
		files = append(files, cur)
	}
	return noderun.Program{Files: files, Entry: b.Attrs["entry"]}
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// parseBody fills the sections, code blocks, interview answer and word count.
// lines turns offsets in l.Body into lines of the lesson file.
func parseBody(l *Lesson, lines lineMap) error {
	src := l.Body
	doc := markdown.Parser().Parse(text.NewReader(src))

	var attach attacher
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			attach.other(l)
			if n.Level < 2 || n.Level > 3 {
				return ast.WalkSkipChildren, nil
			}
			title := inlineText(n, src)
			start := lineStart(src, n.Lines().At(0).Start)
			l.Sections = append(l.Sections, Section{Level: n.Level, Title: title, Slug: Slugify(title), Start: start})
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock:
			if isOutputFence(n, src) {
				e, err := outputBlock(n, src, lines)
				if err != nil {
					return ast.WalkStop, err
				}
				attach.output(l, e)
				return ast.WalkSkipChildren, nil
			}
			b, err := codeBlock(n, src, lines)
			if err != nil {
				return ast.WalkStop, err
			}
			b.Index = len(l.Blocks)
			b.Section = len(l.Sections) - 1
			attach.code(l, &b)
			l.Blocks = append(l.Blocks, b)
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			m, err := parseMarker(htmlText(n, src), lines.line(n.Lines().At(0).Start))
			if err != nil {
				return ast.WalkStop, err
			}
			attach.marker(l, m)
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			var raw []byte
			for i := 0; i < n.Segments.Len(); i++ {
				seg := n.Segments.At(i)
				raw = append(raw, seg.Value(src)...)
			}
			m, err := parseMarker(string(raw), lines.line(n.Segments.At(0).Start))
			if err != nil {
				return ast.WalkStop, err
			}
			if m == nil {
				return ast.WalkSkipChildren, nil
			}
			l.Notes = append(l.Notes, *m) // inside a paragraph: about its prose
			return ast.WalkSkipChildren, nil
		}
		if n.Type() == ast.TypeBlock && n.Kind() != ast.KindDocument {
			attach.other(l)
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return err
	}
	attach.other(l)
	// Each section runs until the next heading of the same or higher level.
	for i := range l.Sections {
		l.Sections[i].End = len(src)
		for j := i + 1; j < len(l.Sections); j++ {
			if l.Sections[j].Level <= l.Sections[i].Level {
				l.Sections[i].End = l.Sections[j].Start
				break
			}
		}
	}
	for _, b := range l.Blocks {
		if b.Lang == "" {
			// glamour is much slower on untagged fences, and the reader
			// cannot highlight them: every fence must say its language.
			return fmt.Errorf("code block at line %d has no language", b.Line)
		}
	}
	l.Words = len(bytes.Fields(src))
	l.InterviewAnswer = interviewAnswer(l)
	if l.IsTopic() {
		return checkRequiredSections(l)
	}
	return nil
}

// htmlText returns the source of an HTML block, its closing line included.
func htmlText(n *ast.HTMLBlock, src []byte) string {
	var sb strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		sb.Write(seg.Value(src))
	}
	if n.HasClosure() {
		sb.Write(n.ClosureLine.Value(src))
	}
	return sb.String()
}

// fenceInfo returns a fenced block's info string.
func fenceInfo(n *ast.FencedCodeBlock, src []byte) string {
	if n.Info == nil {
		return ""
	}
	return string(n.Info.Segment.Value(src))
}

// fenceText returns a fenced block's content and the offset of its fence.
func fenceText(n *ast.FencedCodeBlock, src []byte) (text string, fenceAt int) {
	var sb strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		sb.Write(seg.Value(src))
	}
	fenceAt = 0
	if n.Info != nil {
		fenceAt = n.Info.Segment.Start
	} else if n.Lines().Len() > 0 {
		fenceAt = n.Lines().At(0).Start - 1
	}
	return sb.String(), fenceAt
}

// isOutputFence reports whether the block is an output block.
func isOutputFence(n *ast.FencedCodeBlock, src []byte) bool {
	f := strings.Fields(fenceInfo(n, src))
	return len(f) > 0 && f[0] == OutputLang
}

func codeBlock(n *ast.FencedCodeBlock, src []byte, lines lineMap) (CodeBlock, error) {
	info := fenceInfo(n, src)
	fields := strings.Fields(info)
	b := CodeBlock{Attrs: map[string]string{}}
	if len(fields) > 0 {
		b.Lang = fields[0]
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				b.Attrs[k] = v
			} else if f == "runnable" {
				b.Runnable = true
			} else {
				return b, fmt.Errorf("code block %q: unknown fence word %q (want runnable, file=NAME or entry=NAME)", info, f)
			}
		}
	}
	text, at := fenceText(n, src)
	b.Text, b.Line = text, lines.line(at)
	return b, nil
}

// outputBlock parses an output block (see Expectation).
func outputBlock(n *ast.FencedCodeBlock, src []byte, lines lineMap) (Expectation, error) {
	text, at := fenceText(n, src)
	return parseOutputFence(strings.Fields(fenceInfo(n, src))[1:], text, lines.line(at))
}

// lineMap turns byte offsets in a lesson's Body into lines of its file:
// the Body starts after the front matter, and unwrapSoftBreaks joined
// some of its lines.
type lineMap struct {
	body []byte
	// joins are the Body offsets right after each joined line break.
	joins []int
	// before is the number of file lines before the Body.
	before int
}

// line is the 1-based line of the lesson file holding Body offset off.
func (m lineMap) line(off int) int {
	off = max(min(off, len(m.body)), 0)
	joined, _ := slices.BinarySearch(m.joins, off+1)
	return m.before + bytes.Count(m.body[:off], []byte("\n")) + joined + 1
}

// unwrapSoftBreaks joins the lines of each paragraph and list item into
// one, so the text reflows to any width. Lessons are written hard-wrapped
// for editing; glamour keeps a soft line break inside a list item as a real
// one, which leaves ragged lines in a narrow reader.
//
// It also returns where it joined lines (see lineMap).
func unwrapSoftBreaks(src []byte) (out []byte, joined []int) {
	doc := markdown.Parser().Parse(text.NewReader(src))
	type span struct{ from, to int }
	var joins []span
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		t, ok := n.(*ast.Text)
		if !ok || !t.SoftLineBreak() || t.HardLineBreak() {
			return ast.WalkContinue, nil
		}
		// The break runs from the end of this text to the first text
		// byte of the next line (past indentation and "> " markers).
		from := t.Segment.Stop
		to := from
		for to < len(src) && src[to] != '\n' {
			to++
		}
		if to < len(src) {
			to++
		}
		for to < len(src) && (src[to] == ' ' || src[to] == '\t' || src[to] == '>') {
			to++
		}
		joins = append(joins, span{from, to})
		return ast.WalkContinue, nil
	})
	if len(joins) == 0 {
		return src, nil
	}
	out = make([]byte, 0, len(src))
	prev := 0
	for _, j := range joins {
		if j.from < prev {
			continue
		}
		out = append(out, src[prev:j.from]...)
		out = append(out, ' ')
		joined = append(joined, len(out))
		prev = j.to
	}
	return append(out, src[prev:]...), joined
}

// interviewAnswer returns the plain text of the "Interview answer" section:
// markdown emphasis and quote markers removed, lines joined into paragraphs.
func interviewAnswer(l *Lesson) string {
	for i, s := range l.Sections {
		if !strings.EqualFold(s.Title, "Interview answer") {
			continue
		}
		md := l.SectionMarkdown(i)
		// Drop the heading line itself.
		if _, rest, ok := bytes.Cut(md, []byte("\n")); ok {
			md = rest
		}
		return plainText(md)
	}
	return ""
}

// plainText flattens a small markdown fragment (paragraphs, quotes,
// emphasis, inline code) into text. Paragraphs are separated by blank lines.
func plainText(md []byte) string {
	doc := markdown.Parser().Parse(text.NewReader(md))
	var paras []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && (n.Kind() == ast.KindParagraph || n.Kind() == ast.KindListItem && n.FirstChild() != nil && n.FirstChild().Kind() == ast.KindTextBlock) {
			var t string
			if n.Kind() == ast.KindListItem {
				t = "- " + inlineText(n.FirstChild(), md)
			} else {
				t = inlineText(n, md)
			}
			if t != "" {
				paras = append(paras, t)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(paras, "\n\n")
}

// inlineText concatenates the text of n's inline descendants.
func inlineText(n ast.Node, src []byte) string {
	var sb strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			sb.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				sb.WriteByte(' ')
			}
		case *ast.String:
			sb.Write(c.Value)
		case *ast.CodeSpan:
			for g := c.FirstChild(); g != nil; g = g.NextSibling() {
				if t, ok := g.(*ast.Text); ok {
					sb.Write(t.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(sb.String()), " ")
}

func lineStart(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// checkRequiredSections verifies a topic lesson has each required level-2
// section, in order.
func checkRequiredSections(l *Lesson) error {
	var h2 []string
	for _, s := range l.Sections {
		if s.Level == 2 {
			h2 = append(h2, s.Title)
		}
	}
	next := 0
	for _, title := range h2 {
		if next < len(RequiredSections) && strings.EqualFold(title, RequiredSections[next]) {
			next++
		}
	}
	if next < len(RequiredSections) {
		return fmt.Errorf("lesson %s: missing section %q (required, in order: %s)",
			l.ID, RequiredSections[next], strings.Join(RequiredSections, ", "))
	}
	if l.InterviewAnswer == "" {
		return errors.New("lesson " + l.ID + ": the Interview answer section is empty")
	}
	return nil
}
