package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/nodedive/nodedive/lessons/render"
)

// bgQueryTimeout bounds how long the CLI waits for the terminal to say its
// background colour. Terminals that answer do so in a few milliseconds; a
// bare pty, an Emacs shell or a CI runner never answers, and must not stall
// a command: `--help` has to be on screen well within 0.3 s there.
const bgQueryTimeout = 100 * time.Millisecond

// cliStyle picks the rendering style for output to out: plain when it is not
// a terminal or NO_COLOR is set, otherwise dark or light from the terminal.
func cliStyle(out *os.File) render.Style {
	if os.Getenv("NO_COLOR") != "" || !term.IsTerminal(out.Fd()) {
		return render.Plain
	}
	if terminalDark() {
		return render.Dark
	}
	return render.Light
}

var background struct {
	once sync.Once
	dark bool
}

// terminalDark reports whether the terminal's background is dark, asking
// it at most once per process and for at most bgQueryTimeout. Without an
// answer it says dark, the common case.
func terminalDark() bool {
	background.once.Do(func() {
		background.dark = true
		if dark, ok := darkFromColorFGBG(os.Getenv("COLORFGBG")); ok {
			background.dark = dark
			return
		}
		if !mayQueryTerminal() {
			return
		}
		if dark, ok := queryDarkBackground(bgQueryTimeout); ok {
			background.dark = dark
		}
	})
	return background.dark
}

// mayQueryTerminal rules out terminals known not to answer escape-sequence
// queries (TERM=dumb is what Emacs' shell and many CI runners set).
func mayQueryTerminal() bool {
	t := os.Getenv("TERM")
	return t != "" && t != "dumb"
}

// darkFromColorFGBG reads the "fg;bg" hint some terminals export: background
// colours 7 and 15 are light, the other ANSI colours dark.
func darkFromColorFGBG(v string) (dark, ok bool) {
	parts := strings.Split(v, ";")
	bg, err := strconv.Atoi(parts[len(parts)-1])
	if v == "" || err != nil {
		return false, false
	}
	return bg != 7 && bg != 15, true
}

var deviceAttributes = regexp.MustCompile(`\x1b\[\?[0-9;]*c`)

var oscBackground = regexp.MustCompile(`\]11;rgba?:([0-9a-fA-F]+)/([0-9a-fA-F]+)/([0-9a-fA-F]+)`)

// queryDarkBackground asks the controlling terminal for its background
// colour (OSC 11), followed by a device-attributes request that answering
// terminals always reply to, and waits at most timeout.
//
// The deadline only works while the tty stays in Go's poller: calling
// tty.Fd() would switch it to blocking mode and a silent terminal would
// then hang the read forever (with Ctrl-C swallowed by raw mode). So the
// descriptor is only ever reached through SyscallConn.
func queryDarkBackground(timeout time.Duration) (dark, ok bool) {
	deadline := time.Now().Add(timeout)
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false, false
	}
	defer tty.Close()
	if err := tty.SetReadDeadline(deadline); err != nil {
		return false, false // not pollable: a read could block for good
	}
	rc, err := tty.SyscallConn()
	if err != nil {
		return false, false
	}
	var state *term.State
	if err := rc.Control(func(fd uintptr) { state, err = term.MakeRaw(fd) }); err != nil || state == nil {
		return false, false
	}
	defer rc.Control(func(fd uintptr) { _ = term.Restore(fd, state) }) //nolint:errcheck // best effort: the query is over either way
	if _, err := tty.WriteString("\x1b]11;?\x07\x1b[c"); err != nil {
		return false, false
	}
	var got []byte
	buf := make([]byte, 256)
	for !deviceAttributes.Match(got) {
		n, err := tty.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil || len(got) > 4096 {
			break
		}
	}
	return parseBackground(got)
}

// parseBackground reads an OSC 11 answer ("]11;rgb:RRRR/GGGG/BBBB") and
// reports whether the colour is dark.
func parseBackground(answer []byte) (dark, ok bool) {
	m := oscBackground.FindSubmatch(answer)
	if m == nil {
		return false, false
	}
	var lum float64
	for i, w := range []float64{0.299, 0.587, 0.114} {
		v, _ := strconv.ParseUint(string(m[i+1]), 16, 32)
		lum += w * float64(v) / float64(uint64(1)<<(4*len(m[i+1]))-1)
	}
	return lum < 0.5, true
}
