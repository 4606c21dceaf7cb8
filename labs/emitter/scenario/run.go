package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nodedive/nodedive/labs/emitter"
)

// jsError is a JavaScript Error created by a scenario ({"$error": msg} or a
// throw step).
type jsError struct{ msg string }

func (e *jsError) Error() string { return e.msg }

// RunGo runs the scenario through the Go emitter and returns its trace, in
// the harness's format.
func RunGo(sc *Scenario) []string {
	loop := emitter.NewLoop()
	r := &runner{
		em: emitter.NewWith(emitter.Options{
			CaptureRejections: sc.Emitter.CaptureRejections,
			ClassName:         sc.Emitter.ClassName,
			Loop:              loop,
		}),
		loop:      loop,
		listeners: map[string]*emitter.Listener{},
	}
	loop.OnWarning(func(w *emitter.Warning) { r.trace("warning " + w.Name + ": " + w.Message) })
	loop.OnUncaughtException(func(err error) { r.trace("uncaughtException " + format(err)) })
	loop.OnUnhandledRejection(func(err error) { r.trace("unhandledRejection " + format(err)) })
	names := make([]string, 0, len(sc.Listeners))
	for n := range sc.Listeners {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		r.listeners[n] = r.makeListener(n, sc.Listeners[n])
	}

	for _, st := range sc.Steps {
		if st.Op == "tick" {
			r.trace("tick")
			r.drain()
			continue
		}
		_ = r.run(st, nil, false)
	}
	r.drain()
	r.trace("end")
	return r.lines
}

type runner struct {
	em        *emitter.Emitter
	loop      *emitter.Loop
	listeners map[string]*emitter.Listener
	depth     int
	lines     []string
}

func (r *runner) trace(line string) {
	r.lines = append(r.lines, strings.Repeat("  ", r.depth)+line)
}

func (r *runner) drain() {
	// Every handler is set, so nothing can stop the loop early.
	_ = r.loop.Drain()
}

func (r *runner) makeListener(name string, spec ListenerSpec) *emitter.Listener {
	body := func(this *emitter.Emitter, args ...any) error {
		r.trace(name + "(" + joinFormatted(args) + ")")
		r.depth++
		defer func() { r.depth-- }()
		for _, st := range spec.Do {
			if err := r.run(st, this, true); err != nil {
				return err
			}
		}
		return nil
	}
	var l *emitter.Listener
	if spec.Arrow {
		l = emitter.NewArrow(name, body)
	} else {
		l = emitter.NewListener(name, body)
	}
	if spec.Async {
		l.Async()
	}
	return l
}

func eventName(s *string) any {
	if s == nil {
		return nil
	}
	if *s == "$errorMonitor" {
		return emitter.ErrorMonitor
	}
	return *s
}

// describe is the harness's describe(step).
func describe(st Step) string {
	parts := []string{st.Op}
	if st.Event != nil {
		if ev, ok := eventName(st.Event).(*emitter.Symbol); ok {
			parts = append(parts, ev.String())
		} else {
			parts = append(parts, *st.Event)
		}
	}
	if st.Listener != "" {
		parts = append(parts, st.Listener)
	}
	if st.N != nil {
		parts = append(parts, strconv.Itoa(*st.N))
	}
	s := strings.Join(parts, " ")
	if st.Op == "callRaw" {
		s += "[" + strconv.Itoa(st.Index) + "]"
	}
	if st.Args != nil {
		s += " " + format(decodeArgs(st.Args))
	}
	if st.ID != "" {
		s += " as " + st.ID
	}
	if st.Op == "throw" {
		s += " " + format(throwValue(st))
	}
	return s
}

func throwValue(st Step) any {
	if st.Error != nil {
		return &jsError{*st.Error}
	}
	return decodeValue(st.Value)
}

// run is the harness's run(step, self, inListener).
func (r *runner) run(st Step, this *emitter.Emitter, inListener bool) error {
	r.trace(describe(st))
	var args []any
	if st.Args != nil {
		args = decodeArgs(st.Args)
	}
	err := r.do(st, this, args)
	if err == nil || inListener {
		return err
	}
	r.trace(thrownString(err, args))
	return nil
}

func (r *runner) do(st Step, this *emitter.Emitter, args []any) error {
	em := r.em
	ev := eventName(st.Event)
	fn := r.listeners[st.Listener]
	switch st.Op {
	case "on":
		return em.On(ev, fn)
	case "addListener":
		return em.AddListener(ev, fn)
	case "prependListener":
		return em.PrependListener(ev, fn)
	case "once":
		return em.Once(ev, fn)
	case "prependOnceListener":
		return em.PrependOnceListener(ev, fn)
	case "off":
		return em.Off(ev, fn)
	case "removeListener":
		return em.RemoveListener(ev, fn)
	case "removeAllListeners":
		if ev == nil {
			return em.RemoveAllListeners()
		}
		return em.RemoveAllListeners(ev)
	case "emit":
		ok, err := em.Emit(ev, args...)
		if err != nil {
			return err
		}
		r.trace("= " + format(ok))
	case "listenerCount":
		if fn != nil {
			r.trace("= " + format(em.ListenerCount(ev, fn)))
		} else {
			r.trace("= " + format(em.ListenerCount(ev)))
		}
	case "listeners":
		r.trace("= " + format(em.Listeners(ev)))
	case "rawListeners":
		r.trace("= " + format(em.RawListeners(ev)))
	case "eventNames":
		r.trace("= " + format(em.EventNames()))
	case "setMaxListeners":
		return em.SetMaxListeners(*st.N)
	case "getMaxListeners":
		r.trace("= " + format(em.GetMaxListeners()))
	case "callRaw":
		raw := em.RawListeners(ev)
		if st.Index < 0 || st.Index >= len(raw) {
			return fmt.Errorf("callRaw: %s has %d raw listeners, no index %d", *st.Event, len(raw), st.Index)
		}
		l := raw[st.Index]
		err := l.Call(args...)
		if err != nil && l.Unwrap().IsAsync() {
			// The promise a direct call returns is caught by nobody.
			r.loop.RejectUnhandled(err)
			return nil
		}
		return err
	case "eventsOnce":
		f, err := emitter.Once(em, ev)
		if err != nil {
			return err
		}
		id := st.ID
		f.Then(func(got []any, err error) {
			if err != nil {
				r.trace(id + " rejected " + format(err))
				return
			}
			r.trace(id + " resolved " + format(got))
		})
	case "this":
		if this != nil && this == em {
			r.trace("this is the emitter")
		} else {
			r.trace("this is not the emitter")
		}
	case "throw":
		switch v := throwValue(st).(type) {
		case error:
			return v
		default:
			return &emitter.Thrown{Value: v}
		}
	default:
		return fmt.Errorf("unknown op %s", st.Op)
	}
	return nil
}

func thrownString(err error, args []any) string {
	s := "threw " + format(err)
	if len(args) > 0 && sameValue(err, args[0]) {
		s += " (the emitted value itself)"
	}
	var ne *emitter.NodeError
	if errors.As(err, &ne) && ne.Code == "ERR_UNHANDLED_ERROR" {
		s += " (context: " + format(ne.Context) + ")"
	}
	return s
}

// sameValue is JavaScript's === between a thrown value and an argument.
func sameValue(err error, arg any) bool {
	var t *emitter.Thrown
	if errors.As(err, &t) {
		// A thrown primitive equals an equal primitive.
		switch t.Value.(type) {
		case string, float64, bool, nil:
			return t.Value == arg
		}
		return false
	}
	a, ok := arg.(error)
	return ok && a == err //nolint:errorlint // JavaScript's === is identity, not errors.Is
}

// decodeArgs turns a JSON array into argument values.
func decodeArgs(raw json.RawMessage) []any {
	v, _ := decodeValue(raw).([]any)
	if v == nil {
		v = []any{}
	}
	return v
}

func decodeValue(raw json.RawMessage) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&v); err != nil {
		return emitter.Undefined
	}
	return convert(v)
}

func convert(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = convert(x)
		}
		return out
	case map[string]any:
		if msg, ok := v["$error"]; ok {
			s, _ := msg.(string)
			return &jsError{s}
		}
		if _, ok := v["$undefined"]; ok {
			return emitter.Undefined
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = convert(x)
		}
		return out
	}
	return v
}

// format is the harness's fmt(v).
func format(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return emitter.FormatNumber(v)
	case string:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n")
	case *emitter.Symbol:
		return v.String()
	case *emitter.Listener:
		return v.Label()
	case *emitter.Thrown:
		return format(v.Value)
	case *emitter.NodeError:
		return v.String()
	case error:
		return "Error: " + v.Error()
	case []any:
		return "[" + joinFormatted(v) + "]"
	case []*emitter.Listener:
		parts := make([]string, len(v))
		for i, l := range v {
			parts[i] = l.Label()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + format(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if v == emitter.Undefined {
		return "undefined"
	}
	return fmt.Sprint(v)
}

func joinFormatted(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = format(a)
	}
	return strings.Join(parts, ", ")
}
