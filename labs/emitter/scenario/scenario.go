// Package scenario runs EventEmitter scenarios, small scripts of emitter
// operations kept as JSON in content/labs/emitter/scenarios, through the Go
// emitter and through a harness on the installed node, and compares the two
// traces line by line. Each scenario names the Node rule it checks.
//
// A scenario file:
//
//	{
//	  "rule": "copy-on-emit",
//	  "title": "A listener added during emit first runs on the next emit",
//	  "emitter": {"captureRejections": false, "className": "EventEmitter"},
//	  "listeners": {
//	    "a": {"do": [{"op": "on", "event": "x", "listener": "b"}]},
//	    "b": {"arrow": true}
//	  },
//	  "steps": [
//	    {"op": "on", "event": "x", "listener": "a"},
//	    {"op": "emit", "event": "x", "args": [1]},
//	    {"op": "tick"}
//	  ]
//	}
//
// A listener logs its call, then runs its own steps ("do"); it is a normal
// function unless "arrow", and async when "async". Steps are emitter calls
// (on, addListener, prependListener, once, prependOnceListener, off,
// removeListener, removeAllListeners, emit, listenerCount, listeners,
// rawListeners, eventNames, setMaxListeners, getMaxListeners), callRaw
// (call rawListeners(event)[index]), eventsOnce (events.once(emitter,
// event) as promise id), and, inside listeners, "this" (log whether this is
// the emitter) and "throw" ({"error": msg} throws an Error, {"value": v}
// throws v). "tick" (top level only) lets queued ticks and microtasks run.
// Event "$errorMonitor" is events.errorMonitor; in args, {"$error": msg} is
// an Error and {"$undefined": true} is undefined.
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/suggest"
)

// Dir is where the scenarios live inside content.Labs().
const Dir = "emitter/scenarios"

// Scenario is one parsed scenario file.
type Scenario struct {
	// Name is the file name without ".json".
	Name      string                  `json:"-"`
	Rule      string                  `json:"rule"`
	Title     string                  `json:"title"`
	Emitter   EmitterSpec             `json:"emitter"`
	Listeners map[string]ListenerSpec `json:"listeners"`
	Steps     []Step                  `json:"steps"`
	// Source is the file's text, which the node harness reads.
	Source []byte `json:"-"`
}

// EmitterSpec are the constructor options.
type EmitterSpec struct {
	CaptureRejections bool   `json:"captureRejections"`
	ClassName         string `json:"className"`
}

// ListenerSpec describes one listener function.
type ListenerSpec struct {
	Arrow bool   `json:"arrow"`
	Async bool   `json:"async"`
	Do    []Step `json:"do"`
}

// Step is one operation.
type Step struct {
	Op       string          `json:"op"`
	Event    *string         `json:"event"`
	Listener string          `json:"listener"`
	Args     json.RawMessage `json:"args"`
	N        *int            `json:"n"`
	Index    int             `json:"index"`
	ID       string          `json:"id"`
	Error    *string         `json:"error"`
	Value    json.RawMessage `json:"value"`
}

// Ops lists the step operations and whether each needs an event and a
// listener ("?" optional).
var ops = map[string]struct{ event, listener string }{
	"on":                  {"yes", "yes"},
	"addListener":         {"yes", "yes"},
	"prependListener":     {"yes", "yes"},
	"once":                {"yes", "yes"},
	"prependOnceListener": {"yes", "yes"},
	"off":                 {"yes", "yes"},
	"removeListener":      {"yes", "yes"},
	"removeAllListeners":  {"?", "no"},
	"emit":                {"yes", "no"},
	"listenerCount":       {"yes", "?"},
	"listeners":           {"yes", "no"},
	"rawListeners":        {"yes", "no"},
	"eventNames":          {"no", "no"},
	"setMaxListeners":     {"no", "no"},
	"getMaxListeners":     {"no", "no"},
	"callRaw":             {"yes", "no"},
	"eventsOnce":          {"yes", "no"},
	"this":                {"no", "no"},
	"throw":               {"no", "no"},
	"tick":                {"no", "no"},
}

// Parse reads one scenario and checks it.
func Parse(name string, data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	sc := &Scenario{}
	if err := dec.Decode(sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	sc.Name, sc.Source = name, data
	if err := sc.check(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	return sc, nil
}

func (sc *Scenario) check() error {
	if sc.Rule == "" || sc.Title == "" {
		return errors.New(`"rule" and "title" are required`)
	}
	if len(sc.Steps) == 0 {
		return errors.New("no steps")
	}
	for name, l := range sc.Listeners {
		if err := sc.checkSteps(l.Do, true); err != nil {
			return fmt.Errorf("listener %s: %w", name, err)
		}
	}
	return sc.checkSteps(sc.Steps, false)
}

func (sc *Scenario) checkSteps(steps []Step, inListener bool) error {
	for i, s := range steps {
		spec, ok := ops[s.Op]
		if !ok {
			names := make([]string, 0, len(ops))
			for op := range ops {
				names = append(names, op)
			}
			slices.Sort(names)
			return fmt.Errorf("step %d: unknown op %q (ops: %s)", i+1, s.Op, strings.Join(names, ", "))
		}
		switch {
		case spec.event == "yes" && s.Event == nil:
			return fmt.Errorf("step %d (%s): needs an event", i+1, s.Op)
		case spec.event == "no" && s.Event != nil:
			return fmt.Errorf("step %d (%s): takes no event", i+1, s.Op)
		case spec.listener == "yes" && s.Listener == "":
			return fmt.Errorf("step %d (%s): needs a listener", i+1, s.Op)
		case spec.listener == "no" && s.Listener != "":
			return fmt.Errorf("step %d (%s): takes no listener", i+1, s.Op)
		case s.Op == "tick" && inListener:
			return fmt.Errorf("step %d: tick is only allowed at the top level", i+1)
		case (s.Op == "this" || s.Op == "throw") && !inListener:
			return fmt.Errorf("step %d: %s is only allowed inside a listener", i+1, s.Op)
		case s.Op == "throw" && (s.Error == nil) == (s.Value == nil):
			return fmt.Errorf("step %d: throw needs exactly one of error and value", i+1)
		case s.Op == "setMaxListeners" && s.N == nil:
			return fmt.Errorf("step %d: setMaxListeners needs n", i+1)
		case s.Op == "eventsOnce" && s.ID == "":
			return fmt.Errorf("step %d: eventsOnce needs an id", i+1)
		}
		if s.Listener != "" {
			if _, ok := sc.Listeners[s.Listener]; !ok {
				var known []string
				for n := range sc.Listeners {
					known = append(known, n)
				}
				slices.Sort(known)
				return fmt.Errorf("step %d: unknown listener %q (defined: %s)", i+1, s.Listener, strings.Join(known, ", "))
			}
		}
		if s.Args != nil {
			var args []any
			if err := json.Unmarshal(s.Args, &args); err != nil {
				return fmt.Errorf("step %d: args must be a JSON array: %w", i+1, err)
			}
		}
	}
	return nil
}

// All loads every scenario from content.Labs(), sorted by name.
func All() ([]*Scenario, error) { return LoadFS(content.Labs()) }

// LoadFS loads the scenarios under Dir in fsys.
func LoadFS(fsys fs.FS) ([]*Scenario, error) {
	names, err := fs.Glob(fsys, Dir+"/*.json")
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		sc, err := Parse(strings.TrimSuffix(path.Base(n), ".json"), data)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b *Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Find returns the named scenario, or a *suggest.NotFoundError with the
// nearest names.
func Find(all []*Scenario, name string) (*Scenario, error) {
	names := make([]string, len(all))
	for i, sc := range all {
		if sc.Name == name {
			return sc, nil
		}
		names[i] = sc.Name
	}
	return nil, &suggest.NotFoundError{Kind: "scenario", Name: name, Suggestions: suggest.Nearest(name, names, 3), Known: names}
}
