package bank

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/noderun"
)

// Profile holds what a node version's crash report contains besides the
// program's own stack frames: where node:events throws, the source line
// shown with a caret, and the module loader's frames below a CommonJS
// script's top level. The report's shape (header, stack, "Emitted 'error'
// event ... at:", the elided common frames, "Node.js vX") is modelled in
// crashOutput; only these version-specific pieces come from the profile.
type Profile struct {
	Version      string   // "26.12.1"
	ThrowLine    int      // node:events line of `throw er; // Unhandled 'error' event`
	ThrowSource  string   // that source line as node prints it
	Caret        string   // the caret line under it
	LoaderFrames []string // "    at Module._compile (node:internal/...)" ...
	// NoElision is set for a node that prints the emit call's stack in
	// full. Node 20 replaces the frames that stack shares with the error's
	// by "[... lines matching original stack trace ...]"; 22, 24 and 26
	// (checked on 22.23.5, 24.22.3, 26.12.1) print every frame, because
	// their enhanceStackTrace no longer reads the range that helper returns.
	NoElision bool
}

// DefaultProfile is Node v26.12.1, the active LTS line when the course was
// checked on 22, 24 and 26. Probe measures the installed node instead.
var DefaultProfile = Profile{
	Version:     "26.12.1",
	ThrowLine:   505,
	ThrowSource: "    throw er; // Unhandled 'error' event",
	Caret:       "    ^",
	LoaderFrames: []string{
		"    at Module._compile (node:internal/modules/cjs/loader:1968:14)",
		"    at Object..js (node:internal/modules/cjs/loader:2108:10)",
		"    at Module.load (node:internal/modules/cjs/loader:1690:32)",
		"    at Module._load (node:internal/modules/cjs/loader:1480:12)",
		"    at wrapModuleLoad (node:internal/modules/cjs/loader:261:19)",
		"    at Module.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:171:5)",
		"    at node:internal/main/run_main_module:33:47",
	},
	NoElision: true,
}

// elisionMarker is the line node puts in place of the frames the emit
// call's stack shares with the error's (Node 20).
const elisionMarker = "    [... lines matching original stack trace ...]"

// probeScript emits an unhandled 'error' from a script's top level. Its
// two stacks share every loader frame, so a node that elides common frames
// does so in the probe's report.
const probeScript = "const EventEmitter = require('events');\nnew EventEmitter().emit('error', new Error('probe'));\n"

var throwAt = regexp.MustCompile(`^node:events:(\d+)$`)

// Probe runs a two-line script on the node on PATH and reads the
// version-specific parts of its crash report. Without node the error wraps
// noderun.ErrNoNode.
func Probe(ctx context.Context) (Profile, error) { return ProbeOn(ctx, "") }

// ProbeOn is Probe on the given node executable ("" is node on PATH).
func ProbeOn(ctx context.Context, node string) (Profile, error) {
	res, err := noderun.Run(ctx, noderun.Program{
		Files: []noderun.File{{Name: "probe.js", Text: probeScript}},
	}, noderun.Options{Node: node, Timeout: 10 * time.Second})
	if err != nil {
		return Profile{}, err
	}
	return parseProbe(res.Stderr, res.ExitCode)
}

func parseProbe(stderr string, code int) (Profile, error) {
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	bad := func(why string) (Profile, error) {
		return Profile{}, fmt.Errorf("unexpected crash report from node (%s, exit %d):\n%s", why, code, stderr)
	}
	if code != 1 || len(lines) < 8 {
		return bad("too short")
	}
	m := throwAt.FindStringSubmatch(lines[0])
	if m == nil {
		return bad("no node:events location")
	}
	p := Profile{ThrowSource: lines[1], Caret: lines[2]}
	p.ThrowLine, _ = strconv.Atoi(m[1])
	p.Version, _ = strings.CutPrefix(lines[len(lines)-1], "Node.js v")
	top := slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, "    at Object.<anonymous> (") })
	if top < 0 || p.Version == lines[len(lines)-1] {
		return bad("no top-level frame or version")
	}
	for _, l := range lines[top+1:] {
		if !strings.HasPrefix(l, "    at ") {
			break
		}
		p.LoaderFrames = append(p.LoaderFrames, l)
	}
	if len(p.LoaderFrames) == 0 {
		return bad("no loader frames")
	}
	p.NoElision = !slices.Contains(lines, elisionMarker)
	return p, nil
}

// stackTraceLimit is V8's default Error.stackTraceLimit.
const stackTraceLimit = 10

// crashOutput is what node prints for the unhandled 'error' the last
// session line caused: the throw site in node:events, the Error's stack,
// then (Node's enhanceStackTrace) the stack of the emit call, with the
// frames it shares with the Error's stack elided unless p.NoElision.
func (a *Account) crashOutput(err error) string {
	p := a.opts.Profile
	path := a.opts.ScriptPath
	newLine, newCol := position(a.header, "new Error('Insufficient funds')")
	emitLine, emitCol := position(a.header, "this.emit('error'")
	emitCol += len("this.")
	callLine := strings.Count(a.header, "\n") + len(a.session)
	callCol := len("account.") + 1

	caller := fmt.Sprintf("    at Object.<anonymous> (%s:%d:%d)", path, callLine, callCol)
	errStack := append([]string{
		fmt.Sprintf("    at BankAccount.withdraw (%s:%d:%d)", path, newLine, newCol),
		caller,
	}, p.LoaderFrames...)
	ownStack := append([]string{
		fmt.Sprintf("    at BankAccount.withdraw (%s:%d:%d)", path, emitLine, emitCol),
		caller,
	}, p.LoaderFrames...)
	errStack = errStack[:min(len(errStack), stackTraceLimit)]
	ownStack = ownStack[:min(len(ownStack), stackTraceLimit)]
	if n, off := identicalSequenceRange(ownStack, errStack); n > 0 && !p.NoElision {
		ownStack = slices.Concat(ownStack[:off+1],
			[]string{elisionMarker},
			ownStack[off+1+n-2:])
	}

	var b strings.Builder
	fmt.Fprintf(&b, "node:events:%d\n%s\n%s\n\n", p.ThrowLine, p.ThrowSource, p.Caret)
	b.WriteString("Error: " + err.Error() + "\n")
	b.WriteString(strings.Join(errStack, "\n") + "\n")
	b.WriteString("Emitted 'error' event on BankAccount instance at:\n")
	b.WriteString(strings.Join(ownStack, "\n") + "\n")
	fmt.Fprintf(&b, "\nNode.js v%s\n", p.Version)
	return b.String()
}

// identicalSequenceRange is the helper of Node's util.inspect with that
// name: the first run of more than three consecutive entries of a that
// also appear, in order, in b (with more than three entries of b from the
// match on). It returns the run's length and start in a, or 0.
func identicalSequenceRange(a, b []string) (n, offset int) {
	for i := 0; i < len(a)-3; i++ {
		pos := slices.Index(b, a[i])
		if pos < 0 {
			continue
		}
		rest := len(b) - pos
		if rest <= 3 {
			continue
		}
		l := 1
		maxLen := min(len(a)-i, rest)
		for maxLen > l && a[i+l] == b[pos+l] {
			l++
		}
		if l > 3 {
			return l, i
		}
	}
	return 0, 0
}

// position finds the 1-based line and column of needle in text.
func position(text, needle string) (line, col int) {
	i := strings.Index(text, needle)
	if i < 0 {
		// bank.js is embedded and tested; this is a bug.
		panic(errors.New("bank.js no longer contains " + needle))
	}
	line = strings.Count(text[:i], "\n") + 1
	col = i - strings.LastIndex(text[:i], "\n")
	return line, col
}
