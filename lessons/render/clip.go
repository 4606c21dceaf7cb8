package render

import (
	"bytes"
	"strings"

	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
)

// clipCodeBlocks cuts the lines of fenced code blocks that are wider than
// room cells, ending them with "…". glamour wraps code like prose, and a
// diagram or a table of output wrapped in the middle turns into garbage; a
// clipped line still reads, and says that it goes on.
func clipCodeBlocks(md []byte, room int) []byte {
	if room < 2 {
		return md
	}
	lines := bytes.SplitAfter(md, []byte("\n"))
	var fence string // the fence that opened the current block, "" outside
	changed := false
	for i, raw := range lines {
		line := strings.TrimRight(string(raw), "\r\n")
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			continue
		case fence != "" && strings.HasPrefix(trimmed, fence) && strings.TrimLeft(trimmed, fence[:1]) == "":
			fence = ""
			continue
		case fence == "":
			continue
		}
		line = strings.TrimRight(line, " \t")
		if xansi.StringWidth(line) > room {
			end := []byte("\n")
			if !bytes.HasSuffix(raw, end) {
				end = nil
			}
			lines[i] = append([]byte(xansi.Truncate(line, room-1, "")+"…"), end...)
			changed = true
		}
	}
	if !changed {
		return md
	}
	return bytes.Join(lines, nil)
}

// codeRoom is how many cells of a code line glamour leaves unwrapped in
// width: the document's margin and the block's own indent it, and its word
// wrap breaks a line one cell short of the rest (measured: a line of
// width-margins-1 cells with spaces in it wraps).
func codeRoom(c ansi.StyleConfig, width int) int {
	indent := 0
	if m := c.Document.Margin; m != nil {
		indent += int(*m)
	}
	if m := c.CodeBlock.Margin; m != nil {
		indent += int(*m)
	}
	return width - indent - 2
}
