package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// panel draws body in a rounded box exactly w x h cells, with the title set
// into the top border: ╭─ Title ───╮. Lines that do not fit are cut, so a
// panel can never break the layout around it.
func (c *common) panel(title, body string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return fitBlock("", max(w, 0), max(h, 0))
	}
	st := c.styles.Pane
	if focused {
		st = c.styles.PaneFocused
	}
	border := st.GetBorderTopForeground()
	edge := c.styles.Muted.Foreground(border)
	titleStyle := c.styles.Muted
	if focused {
		titleStyle = c.styles.Accent
	}
	inner := w - 2
	top := edge.Render("╭" + strings.Repeat("─", inner) + "╮")
	if title != "" {
		t := ansi.Truncate(" "+title+" ", max(inner-2, 0), "…")
		top = edge.Render("╭─") + titleStyle.Render(t) +
			edge.Render(strings.Repeat("─", max(inner-1-ansi.StringWidth(t), 0))+"╮")
	}
	lines := []string{top}
	content := strings.Split(fitBlock(body, inner-2, h-2), "\n")
	for _, l := range content {
		lines = append(lines, edge.Render("│")+" "+l+" "+edge.Render("│"))
	}
	lines = append(lines, edge.Render("╰"+strings.Repeat("─", inner)+"╯"))
	return strings.Join(lines, "\n")
}

// joinColumns puts blocks of equal height side by side, with a gap.
func joinColumns(gap int, blocks ...string) string {
	if len(blocks) == 0 {
		return ""
	}
	cols := make([][]string, len(blocks))
	h := 0
	for i, b := range blocks {
		cols[i] = strings.Split(b, "\n")
		h = max(h, len(cols[i]))
	}
	sep := strings.Repeat(" ", gap)
	var out []string
	for row := range h {
		var parts []string
		for _, col := range cols {
			if row < len(col) {
				parts = append(parts, col[row])
			} else if len(col) > 0 {
				parts = append(parts, strings.Repeat(" ", ansi.StringWidth(col[0])))
			}
		}
		out = append(out, strings.Join(parts, sep))
	}
	return strings.Join(out, "\n")
}

// tail keeps the last n lines of lines.
func tail(lines []string, n int) []string {
	if n <= 0 {
		return nil
	}
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}

// wrapLines wraps each line to width w (hard-wrapping long words), keeping
// styles intact.
func wrapLines(lines []string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(ansi.Wrap(l, w, ""), "\n")...)
	}
	return out
}

// wrapIndent wraps s to width w, with first before the first line and the
// same width of spaces before the others, so list items and corrections
// keep their indentation when they wrap.
func wrapIndent(first, s string, w int) []string {
	pad := strings.Repeat(" ", ansi.StringWidth(first))
	lines := strings.Split(ansi.Wrap(s, max(w-len(pad), 10), ""), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = pad + lines[i]
		}
	}
	return lines
}
