// Command glowlike renders a markdown file the way glow does for a one-shot
// `glow FILE`: a fresh process, a glamour renderer, no cache. bench/read.sh
// uses it as the baseline when glow itself is not installed (it is not on
// the Go module proxy this project builds from), so it is a lower bound of
// glow's time: glow also loads its config and checks for updates.
package main

import (
	"fmt"
	"os"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: glowlike FILE.md")
		os.Exit(2)
	}
	md, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r, err := glamour.NewTermRenderer(glamour.WithStyles(styles.DarkStyleConfig), glamour.WithWordWrap(80))
	if err == nil {
		md, err = r.RenderBytes(md)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(md)
}
