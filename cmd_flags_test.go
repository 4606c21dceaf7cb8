package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestRunRefusesATimeLimitOfZeroOrLess: --timeout 0 and -1s used to run
// with the default 10 s without a word.
func TestRunRefusesATimeLimitOfZeroOrLess(t *testing.T) {
	id, n, _ := findBlock(t, true)
	for _, d := range []string{"0", "0s", "-1s"} {
		out, _, err := execNodedive(t, "run", id, "--block", strconv.Itoa(n), "--timeout", d)
		if err == nil || !strings.Contains(err.Error(), "--timeout") || !strings.Contains(err.Error(), "above zero") {
			t.Errorf("run --timeout %s: err %v, output %q", d, err, out)
		}
		if strings.Contains(out, "node exited") {
			t.Errorf("run --timeout %s ran the block anyway", d)
		}
	}
}

// TestReadRefusesWidthsNothingCanBeReadAt: --width 0 and 5 used to be
// quietly changed, 100000 obeyed.
func TestReadRefusesWidthsNothingCanBeReadAt(t *testing.T) {
	for _, w := range []string{"0", "5", "19", "501", "100000", "-3"} {
		out, _, err := execNodedive(t, "read", "q14", "--width", w)
		if err == nil || !strings.Contains(err.Error(), "--width "+w) || !strings.Contains(err.Error(), "20 to 500") {
			t.Errorf("read --width %s: err %v", w, err)
		}
		if strings.Contains(out, "many processes") {
			t.Errorf("read --width %s printed the lesson anyway", w)
		}
	}
	for _, w := range []string{"20", "500"} {
		out, _, err := execNodedive(t, "read", "q14", "--width", w, "--no-cache")
		if err != nil || !strings.Contains(out, "many") {
			t.Errorf("read --width %s: err %v", w, err)
		}
		for i, line := range strings.Split(out, "\n") {
			if n := len([]rune(line)); w == "20" && n > 20 {
				t.Errorf("read --width 20: line %d is %d wide: %q", i+1, n, line)
				break
			}
		}
	}
}
