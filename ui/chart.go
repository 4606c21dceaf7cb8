package ui

import (
	"fmt"
	"strings"
)

// sparkBlocks are eighth-height bars, lowest to highest.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last w values as bars scaled to the largest one, so a
// chart of requests/s or latency reads at a glance in one line.
func sparkline(values []float64, w int) string {
	if w <= 0 {
		return ""
	}
	if len(values) > w {
		values = values[len(values)-w:]
	}
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	for i := len(values); i < w; i++ {
		b.WriteRune(' ')
	}
	for _, v := range values {
		i := 0
		if top > 0 {
			i = int(v / top * float64(len(sparkBlocks)-1))
		}
		b.WriteRune(sparkBlocks[min(max(i, 0), len(sparkBlocks)-1)])
	}
	return b.String()
}

// humanBytes prints a byte count in binary units.
func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
