package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestSecurityLabProbesHoldAndFailWithDefencesOff starts the hardened Go
// app in a real cluster from the attack panel, runs a probe, then turns the
// defences off and runs it again.
func TestSecurityLabProbesHoldAndFailWithDefencesOff(t *testing.T) {
	d := newDriver(t, true, 120, 44)
	openLabScreen(t, d, "secure")
	l, ok := d.m.top().(*secureLab)
	if !ok {
		t.Fatalf("opened %T", d.m.top())
	}
	defer func() { d.run(l.Leave(), 0) }()
	if l.sides[0].lab == nil {
		t.Fatalf("the Go app did not start: %v", l.sides[0].err)
	}
	for _, name := range []string{"headers", "stack-leak"} {
		for i, p := range l.probes {
			if p.Name == name {
				l.cursor = i
			}
		}
		d.keys("enter")
		r, ok := l.sides[0].results[name]
		if !ok || !r.Pass {
			t.Fatalf("probe %s on the hardened app: %+v", name, r)
		}
	}
	if v := ansi.Strip(d.view()); !strings.Contains(v, "PASS") || !strings.Contains(v, "Internal server error") {
		t.Errorf("the panel does not show the verdict and what was observed:\n%s", v)
	}

	d.keys("w", "enter") // defences off, run stack-leak again
	r, ok := l.sides[0].results["stack-leak"]
	if !ok || r.Pass {
		t.Fatalf("with defences off the stack-leak probe should fail: %+v", r)
	}
	if v := ansi.Strip(d.view()); !strings.Contains(v, "FAIL") || !strings.Contains(v, "DEFENCES OFF") {
		t.Errorf("a failing probe is not shown:\n%s", v)
	}
}
