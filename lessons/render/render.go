// Package render turns lesson markdown into terminal text with glamour and
// caches the result per content, width and style, in memory and on disk.
//
// glamour needs tens of milliseconds for a 10 KB lesson; the cache makes a
// repeat render a map lookup (TUI) or a single file read (CLI).
package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/google/renameio/v2"
)

// Style selects the glamour style.
type Style string

// The rendering styles.
const (
	// Plain has no escape sequences at all: for pipes, NO_COLOR and --plain.
	Plain Style = "plain"
	Dark  Style = "dark"
	Light Style = "light"
)

// ParseStyle accepts "plain", "dark" or "light".
func ParseStyle(s string) (Style, error) {
	switch Style(s) {
	case Plain, Dark, Light:
		return Style(s), nil
	}
	return "", fmt.Errorf("unknown style %q (want plain, dark or light)", s)
}

// formatVersion names the renderer; bump it when glamour is upgraded. Style
// changes need no bump: the disk key includes a fingerprint of the style.
const formatVersion = "glamour-v2.0.1/trimmed/clipped-code"

// MinWidth is the narrowest wrap width glamour is asked for.
const MinWidth = 20

// memLimit bounds the in-memory cache; a TUI resize renders at new widths.
const memLimit = 64

type key struct {
	sum   [sha256.Size]byte
	width int
	style Style
}

type rendererKey struct {
	width int
	style Style
}

// Renderer renders markdown and caches results. It is safe for concurrent
// use; glamour's own renderers are not, so each is used under the lock.
type Renderer struct {
	dir string

	mu        sync.Mutex
	mem       map[key][]byte
	renderers map[rendererKey]*glamour.TermRenderer
}

// New returns a Renderer that keeps a disk cache in dir; an empty dir means
// memory only.
func New(dir string) *Renderer {
	return &Renderer{dir: dir, mem: map[key][]byte{}, renderers: map[rendererKey]*glamour.TermRenderer{}}
}

// Render returns md rendered for the given wrap width and style. The returned
// slice is shared with the cache and must not be modified.
func (r *Renderer) Render(md []byte, width int, style Style) ([]byte, error) {
	width = max(width, MinWidth)
	k := key{sum: sha256.Sum256(md), width: width, style: style}

	r.mu.Lock()
	if out, ok := r.mem[k]; ok {
		r.mu.Unlock()
		return out, nil
	}
	r.mu.Unlock()

	if out, ok := r.readDisk(k); ok {
		r.remember(k, out)
		return out, nil
	}

	r.mu.Lock()
	tr, err := r.termRenderer(width, style)
	var out []byte
	if err == nil {
		out, err = tr.RenderBytes(clipCodeBlocks(md, codeRoom(styleConfig(style), width)))
	}
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("rendering markdown: %w", err)
	}
	if style == Plain {
		out = trimTrailingSpace(out)
	} else {
		out = trimStyledPadding(out)
	}
	r.remember(k, out)
	r.writeDisk(k, out)
	return out, nil
}

// WriteTo writes the rendering of md to w. On a disk-cache hit it streams
// the cached file straight to w (sendfile when w is a file or pipe), so a
// repeat `nodedive read` costs one open and a copy and allocates almost
// nothing.
func (r *Renderer) WriteTo(w io.Writer, md []byte, width int, style Style) error {
	width = max(width, MinWidth)
	k := key{sum: sha256.Sum256(md), width: width, style: style}
	if r.dir != "" {
		if f, err := os.Open(filepath.Join(r.dir, k.diskName())); err == nil {
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		}
	}
	out, err := r.Render(md, width, style)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func (r *Renderer) remember(k key, out []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.mem) >= memLimit {
		for old := range r.mem { // evict an arbitrary entry
			delete(r.mem, old)
			break
		}
	}
	r.mem[k] = out
}

// termRenderer returns the cached glamour renderer for width and style.
// Callers hold r.mu.
func (r *Renderer) termRenderer(width int, style Style) (*glamour.TermRenderer, error) {
	rk := rendererKey{width, style}
	if tr, ok := r.renderers[rk]; ok {
		return tr, nil
	}
	opts := []glamour.TermRendererOption{glamour.WithStyles(styleConfig(style)), glamour.WithWordWrap(width)}
	if style == Plain {
		// Code goes through chroma's pass-through formatter: without it,
		// glamour's fallback treats backslashes in code as markdown
		// escapes (a regex's `\.` came out as `.`).
		opts = append(opts, glamour.WithChromaFormatter("noop"))
	}
	tr, err := glamour.NewTermRenderer(opts...)
	if err != nil {
		return nil, err
	}
	r.renderers[rk] = tr
	return tr, nil
}

var fingerprints sync.Map // Style -> []byte

// styleFingerprint hashes a style's full configuration, so editing a style
// invalidates the disk cache by itself.
func styleFingerprint(s Style) []byte {
	if fp, ok := fingerprints.Load(s); ok {
		return fp.([]byte)
	}
	js, _ := json.Marshal(styleConfig(s))
	sum := sha256.Sum256(js)
	fingerprints.Store(s, sum[:])
	return sum[:]
}

func styleConfig(s Style) ansi.StyleConfig {
	var c ansi.StyleConfig
	switch s {
	case Light:
		c = styles.LightStyleConfig
	case Plain:
		c = plainStyle()
	default:
		c = styles.DarkStyleConfig
	}
	fixQuoteIndent(&c)
	return c
}

// fixQuoteIndent makes the block-quote marker one cell wide. glamour
// subtracts one column per indent level from the wrap width but the stock
// styles draw two ("│ "), so every full line of a quote overflowed and
// left a one-word line behind. A left quarter-block reads as a bar with a
// gap after it in a single cell; plain output indents with spaces.
func fixQuoteIndent(c *ansi.StyleConfig) {
	one := uint(1)
	if c.BlockQuote.IndentToken != nil && xansi.StringWidth(*c.BlockQuote.IndentToken) > 1 {
		bar := "▎"
		c.BlockQuote.IndentToken = &bar
		c.BlockQuote.Indent = &one
	}
}

// diskName is the cache file for k: a hash of everything that shapes output.
func (k key) diskName() string {
	h := sha256.New()
	h.Write(k.sum[:])
	var w [8]byte
	binary.LittleEndian.PutUint64(w[:], uint64(k.width))
	h.Write(w[:])
	h.Write([]byte(k.style))
	h.Write([]byte(formatVersion))
	h.Write(styleFingerprint(k.style))
	return hex.EncodeToString(h.Sum(nil)[:16]) + ".ans"
}

func (r *Renderer) readDisk(k key) ([]byte, bool) {
	if r.dir == "" {
		return nil, false
	}
	out, err := os.ReadFile(filepath.Join(r.dir, k.diskName()))
	return out, err == nil
}

// writeDisk stores out atomically; a cache that cannot be written only costs
// speed, so errors are ignored.
func (r *Renderer) writeDisk(k key, out []byte) {
	if r.dir == "" {
		return
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return
	}
	_ = renameio.WriteFile(filepath.Join(r.dir, k.diskName()), out, 0o644)
}

// plainStyle is glamour's ASCII style without emphasis markers: it keeps
// headings, lists, quotes and tables readable as text, and a "**" around a
// phrase that holds code would come out garbled.
func plainStyle() ansi.StyleConfig {
	s := styles.ASCIIStyleConfig
	s.Strong = ansi.StylePrimitive{}
	s.Emph = ansi.StylePrimitive{}
	two := uint(2)
	s.BlockQuote.Indent, s.BlockQuote.IndentToken = &two, nil
	s.CodeBlock.Theme = "bw" // any theme: the noop formatter ignores it
	return s
}

// trimTrailingSpace drops the padding glamour adds to fill each line to the
// wrap width: invisible on a terminal, noise in a file or a pipe.
func trimTrailingSpace(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

// styledPadding matches what glamour appends to fill a line to the wrap
// width: spaces, each wrapped in a foreground-only colour and a reset.
// Spaces with a background colour (code blocks, the title) are kept.
var styledPadding = regexp.MustCompile(`(?:\x1b\[38;(?:5;[0-9]+|2;[0-9]+;[0-9]+;[0-9]+)m *\x1b\[m| )+$`)

// trimStyledPadding drops that invisible padding: it is most of glamour's
// output by size, and every byte of it would be drawn by the reader.
func trimStyledPadding(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = styledPadding.ReplaceAll(l, nil)
	}
	return bytes.Join(lines, []byte("\n"))
}
