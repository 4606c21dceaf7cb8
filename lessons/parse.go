package lessons

import (
	"bytes"
	"errors"
	"fmt"
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
type CodeBlock struct {
	Index    int               `json:"index"` // 0-based in the lesson
	Lang     string            `json:"lang"`
	Runnable bool              `json:"runnable"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Text     string            `json:"text"`
	// Section is the index of the innermost section holding the block,
	// or -1 before the first heading.
	Section int `json:"section"`
	// Line is the 1-based line of Body where the opening fence is.
	Line int `json:"line"`
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
		if b.Lang == "mjs" {
			defaultName = "main.mjs"
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
func parseBody(l *Lesson) error {
	src := l.Body
	doc := markdown.Parser().Parse(text.NewReader(src))

	var blockSections []int // pending blocks get their section later
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			if n.Level < 2 || n.Level > 3 {
				return ast.WalkSkipChildren, nil
			}
			title := inlineText(n, src)
			start := lineStart(src, n.Lines().At(0).Start)
			l.Sections = append(l.Sections, Section{Level: n.Level, Title: title, Slug: Slugify(title), Start: start})
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock:
			b, err := codeBlock(n, src)
			if err != nil {
				return ast.WalkStop, err
			}
			b.Index = len(l.Blocks)
			b.Section = len(l.Sections) - 1
			l.Blocks = append(l.Blocks, b)
			blockSections = append(blockSections, b.Section)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return err
	}
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

func codeBlock(n *ast.FencedCodeBlock, src []byte) (CodeBlock, error) {
	var info string
	if n.Info != nil {
		info = string(n.Info.Segment.Value(src))
	}
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
	var sb strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		sb.Write(seg.Value(src))
	}
	b.Text = sb.String()
	fenceAt := 0
	if n.Info != nil {
		fenceAt = n.Info.Segment.Start
	} else if n.Lines().Len() > 0 {
		fenceAt = n.Lines().At(0).Start - 1
	}
	b.Line = bytes.Count(src[:max(fenceAt, 0)], []byte("\n")) + 1
	return b, nil
}

// unwrapSoftBreaks joins the lines of each paragraph and list item into
// one, so the text reflows to any width. Lessons are written hard-wrapped
// for editing; glamour keeps a soft line break inside a list item as a real
// one, which leaves ragged lines in a narrow reader.
func unwrapSoftBreaks(src []byte) []byte {
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
		return src
	}
	out := make([]byte, 0, len(src))
	prev := 0
	for _, j := range joins {
		if j.from < prev {
			continue
		}
		out = append(out, src[prev:j.from]...)
		out = append(out, ' ')
		prev = j.to
	}
	return append(out, src[prev:]...)
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
