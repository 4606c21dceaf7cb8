package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/nodedive/nodedive/lessons/render"
)

// bgQueryTimeout bounds how long `read` waits for the terminal to say its
// background colour. Terminals that answer do so in a few milliseconds; a
// bare pty or some multiplexers never answer, and must not stall the command.
const bgQueryTimeout = 120 * time.Millisecond

// cliStyle picks the rendering style for output to out: plain when it is not
// a terminal or NO_COLOR is set, otherwise dark or light from the terminal.
func cliStyle(out *os.File) render.Style {
	if os.Getenv("NO_COLOR") != "" || !term.IsTerminal(out.Fd()) {
		return render.Plain
	}
	if dark, ok := darkFromColorFGBG(os.Getenv("COLORFGBG")); ok {
		return styleFor(dark)
	}
	if dark, ok := queryDarkBackground(bgQueryTimeout); ok {
		return styleFor(dark)
	}
	return render.Dark
}

func styleFor(dark bool) render.Style {
	if dark {
		return render.Dark
	}
	return render.Light
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
// colour (OSC 11), followed by a device-attributes request that every
// terminal answers, and waits at most timeout.
func queryDarkBackground(timeout time.Duration) (dark, ok bool) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false, false
	}
	defer tty.Close()
	state, err := term.MakeRaw(tty.Fd())
	if err != nil {
		return false, false
	}
	defer term.Restore(tty.Fd(), state) //nolint:errcheck // best effort: the query is over either way
	if _, err := tty.WriteString("\x1b]11;?\x07\x1b[c"); err != nil {
		return false, false
	}
	// A tty opened this way is pollable, so the deadline works.
	if err := tty.SetReadDeadline(time.Now().Add(timeout)); err != nil {
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
	m := oscBackground.FindSubmatch(got)
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
