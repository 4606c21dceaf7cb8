// Package emitter is Node's EventEmitter in Go, faithful to the behaviour a
// JavaScript program can observe (checked against node by the differential
// scenarios in labs/emitter/scenario):
//
//   - listener order: prependOnceListener/prependListener put a listener
//     first, on/once append; emit calls them in that order, synchronously,
//     and returns whether there were any;
//   - the listener list is copied when emit starts: a listener added during
//     emit runs from the next emit, one removed during emit still runs;
//   - 'newListener' is emitted before a listener is added (with the
//     unwrapped function for once listeners), 'removeListener' after one is
//     removed;
//   - Off removes the most recently added matching listener, so adding a
//     function twice and removing it once leaves one;
//   - the 11th listener of one event (beyond SetMaxListeners) causes a
//     MaxListenersExceededWarning on a later tick, once per listener array;
//   - emitting 'error' with no 'error' listener throws: the emitted value
//     itself when it is an error, else an ERR_UNHANDLED_ERROR; ErrorMonitor
//     listeners see the error first either way;
//   - listeners are normal functions (this is the emitter) or arrow
//     functions (this is nil);
//   - CaptureRejections routes an async listener's rejection to 'error'.
//
// A JavaScript throw is a returned error: Emit returns what a listener (or
// Node) throws, and On/Off return what a 'newListener'/'removeListener'
// listener throws. Work Node does later (warnings, captured rejections,
// events.once callbacks) is queued on a Loop and runs when the Loop is
// drained.
//
// An Emitter is safe for concurrent use. Node is single-threaded, so the
// order of listeners added from several goroutines at once is simply the
// order they got the lock in.
package emitter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultMaxListeners is EventEmitter.defaultMaxListeners.
const DefaultMaxListeners = 10

// Symbol is a JavaScript symbol usable as an event name.
type Symbol struct{ description string }

// NewSymbol returns a new, unique symbol: Symbol(description).
func NewSymbol(description string) *Symbol { return &Symbol{description} }

func (s *Symbol) String() string { return "Symbol(" + s.description + ")" }

// ErrorMonitor is events.errorMonitor: its listeners are called before the
// 'error' listeners, and listening to it does not count as handling 'error'.
var ErrorMonitor = NewSymbol("events.errorMonitor")

// key is an event name: a string, or a symbol when sym is set.
type key struct {
	s   string
	sym *Symbol
}

func (k key) value() any {
	if k.sym != nil {
		return k.sym
	}
	return k.s
}

var (
	errorKey          = key{s: "error"}
	newListenerKey    = key{s: "newListener"}
	removeListenerKey = key{s: "removeListener"}
	errorMonitorKey   = key{sym: ErrorMonitor}
)

// keyOf accepts what Node accepts as a property key: strings, symbols, and
// integers (which JavaScript turns into their decimal strings).
func keyOf(name any) (key, error) {
	switch n := name.(type) {
	case string:
		return key{s: n}, nil
	case *Symbol:
		if n == nil {
			return key{}, typeError("eventName", "string or symbol", name)
		}
		return key{sym: n}, nil
	case int:
		return key{s: strconv.Itoa(n)}, nil
	case int64:
		return key{s: strconv.FormatInt(n, 10)}, nil
	}
	return key{}, typeError("eventName", "string or symbol", name)
}

func typeError(arg, want string, got any) *NodeError {
	return &NodeError{
		Name:    "TypeError",
		Code:    "ERR_INVALID_ARG_TYPE",
		Message: fmt.Sprintf("The %q argument must be of type %s. Received %T", arg, want, got),
	}
}

// slot is what Node stores in _events[name]: a lone function, or an array
// once there are two or more. The distinction is observable: the leak
// warning's "warned" flag lives on the array, so it is lost when the list
// shrinks back to one listener.
type slot struct {
	fn  *Listener
	arr *listenerArray
}

type listenerArray struct {
	items  []*Listener
	warned bool
}

// Options configure an Emitter.
type Options struct {
	// CaptureRejections is new EventEmitter({captureRejections: true}).
	CaptureRejections bool
	// ClassName is the emitter's class as Node's inspect shows it, e.g.
	// "BankAccount" for a subclass (default "EventEmitter"). It appears in
	// the leak warning.
	ClassName string
	// Loop runs the emitter's deferred work. Emitters of one program
	// should share one. Default: a loop of its own.
	Loop *Loop
}

// Emitter is an EventEmitter. The zero value is ready to use.
type Emitter struct {
	mu     sync.Mutex
	events map[key]slot
	// order is the insertion order of the keys of events, which
	// eventNames() and removeAllListeners() follow.
	order     []key
	max       int
	maxSet    bool
	capture   atomic.Bool
	className string
	loop      *Loop
}

// New returns an emitter with default options.
func New() *Emitter { return &Emitter{} }

// NewWith returns an emitter with the given options.
func NewWith(o Options) *Emitter {
	e := &Emitter{className: o.ClassName, loop: o.Loop}
	e.capture.Store(o.CaptureRejections)
	return e
}

// Loop returns the loop that runs this emitter's deferred work.
func (e *Emitter) Loop() *Loop {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loop == nil {
		e.loop = NewLoop()
	}
	return e.loop
}

// ClassName is the emitter's class name as inspect shows it.
func (e *Emitter) ClassName() string {
	if e.className == "" {
		return "EventEmitter"
	}
	return e.className
}

// On is emitter.on(name, listener) (addListener): it appends the listener.
// The error is what a 'newListener' listener threw.
func (e *Emitter) On(name any, l *Listener) error { return e.add(name, l, false) }

// AddListener is the same as On.
func (e *Emitter) AddListener(name any, l *Listener) error { return e.add(name, l, false) }

// PrependListener adds the listener at the front.
func (e *Emitter) PrependListener(name any, l *Listener) error { return e.add(name, l, true) }

// Once appends a wrapper that removes itself and then calls l, the first
// time the event is emitted.
func (e *Emitter) Once(name any, l *Listener) error {
	w, err := e.onceWrap(name, l)
	if err != nil {
		return err
	}
	return e.add(name, w, false)
}

// PrependOnceListener is Once at the front.
func (e *Emitter) PrependOnceListener(name any, l *Listener) error {
	w, err := e.onceWrap(name, l)
	if err != nil {
		return err
	}
	return e.add(name, w, true)
}

func (e *Emitter) onceWrap(name any, l *Listener) (*Listener, error) {
	if l == nil {
		return nil, typeError("listener", "function", l)
	}
	k, err := keyOf(name)
	if err != nil {
		return nil, err
	}
	return &Listener{wraps: l, target: e, event: k}, nil
}

func (e *Emitter) add(name any, l *Listener, prepend bool) error {
	if l == nil {
		return typeError("listener", "function", l)
	}
	k, err := keyOf(name)
	if err != nil {
		return err
	}
	// 'newListener' goes out before the listener is in the list, so a
	// 'newListener' listener can add others ahead of it.
	if e.has(newListenerKey) {
		if _, err := e.emit(newListenerKey, []any{k.value(), l.Unwrap()}); err != nil {
			return err
		}
	}

	e.mu.Lock()
	if e.events == nil {
		e.events = map[key]slot{}
	}
	s, ok := e.events[k]
	switch {
	case !ok:
		e.events[k] = slot{fn: l}
		e.order = append(e.order, k)
		e.mu.Unlock()
		return nil
	case s.arr == nil:
		arr := &listenerArray{items: []*Listener{s.fn, l}}
		if prepend {
			arr.items[0], arr.items[1] = l, s.fn
		}
		s = slot{arr: arr}
		e.events[k] = s
	case prepend:
		s.arr.items = append([]*Listener{l}, s.arr.items...)
	default:
		s.arr.items = append(s.arr.items, l)
	}
	// The leak check runs only on arrays, as in Node.
	var w *Warning
	if m := e.maxLocked(); m > 0 && len(s.arr.items) > m && !s.arr.warned {
		s.arr.warned = true
		w = &Warning{
			Name: "MaxListenersExceededWarning",
			Message: fmt.Sprintf("Possible EventEmitter memory leak detected. %d %s listeners added to [%s]. "+
				"MaxListeners is %d. Use emitter.setMaxListeners() to increase limit",
				len(s.arr.items), nameString(k), e.ClassName(), m),
			Emitter: e,
			Event:   k.value(),
			Count:   len(s.arr.items),
		}
	}
	e.mu.Unlock()
	if w != nil {
		// process.emitWarning delivers on a later tick.
		loop := e.Loop()
		loop.NextTick(func() error { loop.warn(w); return nil })
	}
	return nil
}

// nameString is String(name) in JavaScript.
func nameString(k key) string {
	if k.sym != nil {
		return k.sym.String()
	}
	return k.s
}

func (e *Emitter) has(k key) bool {
	e.mu.Lock()
	_, ok := e.events[k]
	e.mu.Unlock()
	return ok
}

// Off is emitter.off(name, listener) (removeListener). It removes the most
// recently added occurrence of l, or of a once wrapper of l, and then emits
// 'removeListener'. Removing a listener that is not there does nothing. The
// error is what a 'removeListener' listener threw.
func (e *Emitter) Off(name any, l *Listener) error {
	if l == nil {
		return typeError("listener", "function", l)
	}
	k, err := keyOf(name)
	if err != nil {
		return err
	}
	return e.removeListener(k, l)
}

// RemoveListener is the same as Off.
func (e *Emitter) RemoveListener(name any, l *Listener) error { return e.Off(name, l) }

func (e *Emitter) removeListener(k key, l *Listener) error {
	e.mu.Lock()
	s, ok := e.events[k]
	if !ok {
		e.mu.Unlock()
		return nil
	}
	var reported *Listener
	switch s.arr {
	case nil:
		if !s.fn.matches(l) {
			e.mu.Unlock()
			return nil
		}
		e.deleteLocked(k)
		// A lone listener is reported unwrapped ...
		reported = s.fn.Unwrap()
	default:
		pos := -1
		for i := len(s.arr.items) - 1; i >= 0; i-- {
			if s.arr.items[i].matches(l) {
				pos = i
				break
			}
		}
		if pos < 0 {
			e.mu.Unlock()
			return nil
		}
		// Emit and RawListeners copy the items, so removing in place is
		// safe (and it is what Node's splice does).
		items := s.arr.items
		copy(items[pos:], items[pos+1:])
		items[len(items)-1] = nil
		s.arr.items = items[:len(items)-1]
		if len(s.arr.items) == 1 {
			e.events[k] = slot{fn: s.arr.items[0]}
		}
		// ... but from an array, as the caller passed it (a once
		// wrapper removing itself reports the wrapper).
		reported = l
	}
	_, notify := e.events[removeListenerKey]
	e.mu.Unlock()
	if notify {
		_, err := e.emit(removeListenerKey, []any{k.value(), reported})
		return err
	}
	return nil
}

func (e *Emitter) deleteLocked(k key) {
	delete(e.events, k)
	for i, o := range e.order {
		if o == k {
			e.order = append(e.order[:i:i], e.order[i+1:]...)
			break
		}
	}
}

// RemoveAllListeners removes every listener of the named events, or of all
// events when no name is given. When someone listens to 'removeListener',
// each removal is reported: an event's listeners from last to first, and
// with no name the 'removeListener' listeners themselves last.
func (e *Emitter) RemoveAllListeners(names ...any) error {
	if len(names) == 0 {
		return e.removeAll(key{}, false)
	}
	for _, n := range names {
		k, err := keyOf(n)
		if err != nil {
			return err
		}
		if err := e.removeAll(k, true); err != nil {
			return err
		}
	}
	return nil
}

func (e *Emitter) removeAll(k key, one bool) error {
	e.mu.Lock()
	if _, notify := e.events[removeListenerKey]; !notify {
		if one {
			if _, ok := e.events[k]; ok {
				e.deleteLocked(k)
			}
		} else {
			e.events, e.order = nil, nil
		}
		e.mu.Unlock()
		return nil
	}
	if !one {
		keys := e.ownKeysLocked()
		e.mu.Unlock()
		for _, k := range keys {
			if k == removeListenerKey {
				continue
			}
			if err := e.removeAll(k, true); err != nil {
				return err
			}
		}
		if err := e.removeAll(removeListenerKey, true); err != nil {
			return err
		}
		e.mu.Lock()
		e.events, e.order = nil, nil
		e.mu.Unlock()
		return nil
	}
	s, ok := e.events[k]
	e.mu.Unlock()
	switch {
	case !ok:
		return nil
	case s.arr == nil:
		return e.removeListener(k, s.fn)
	}
	// Node walks its live array from the end; removals shrink the same
	// array, so index i always names an element still in it or past its end.
	arr := s.arr
	for i := len(arr.items) - 1; i >= 0; i-- {
		e.mu.Lock()
		if i >= len(arr.items) {
			e.mu.Unlock()
			continue
		}
		l := arr.items[i]
		e.mu.Unlock()
		if err := e.removeListener(k, l); err != nil {
			return err
		}
	}
	return nil
}

// Emit is emitter.emit(name, ...args): it calls the listeners in order,
// synchronously, and reports whether there were any. The error is a throw:
// what a listener threw (the remaining listeners do not run), or, for
// 'error' with no 'error' listener, the emitted error itself, or a
// *NodeError ERR_UNHANDLED_ERROR when the first argument is not an error.
func (e *Emitter) Emit(name any, args ...any) (bool, error) {
	k, err := keyOf(name)
	if err != nil {
		return false, err
	}
	return e.emit(k, args)
}

// maxSnapshot is how many listeners emit copies without allocating.
const maxSnapshot = 16

func (e *Emitter) emit(k key, args []any) (bool, error) {
	if k == errorKey {
		if e.has(errorMonitorKey) {
			if _, err := e.emit(errorMonitorKey, args); err != nil {
				return false, err
			}
		}
		if !e.has(errorKey) {
			if len(args) > 0 {
				if err, ok := args[0].(error); ok && err != nil {
					return false, err
				}
				return false, unhandledError(args[0], true)
			}
			return false, unhandledError(nil, false)
		}
	}

	e.mu.Lock()
	s, ok := e.events[k]
	if !ok {
		e.mu.Unlock()
		return false, nil
	}
	if s.arr == nil {
		e.mu.Unlock()
		return true, e.call(k, s.fn, args)
	}
	// The copy is what makes additions during emit wait for the next emit
	// and removals during emit not take effect until then.
	var buf [maxSnapshot]*Listener
	snap := append(buf[:0], s.arr.items...)
	e.mu.Unlock()
	for _, l := range snap {
		if err := e.call(k, l, args); err != nil {
			return true, err
		}
	}
	return true, nil
}

// call runs one listener from emit and deals with an async listener's
// rejection.
func (e *Emitter) call(k key, l *Listener, args []any) error {
	var err error
	async := false
	if l.wraps != nil {
		async, err = e.fireOnce(l, args)
	} else {
		err, async = e.invoke(l, args), l.async
	}
	if err != nil && async {
		e.rejected(k, args, err)
		return nil
	}
	return err
}

func (e *Emitter) invoke(l *Listener, args []any) error {
	this := e
	if l.arrow {
		this = nil
	}
	return l.fn(this, args...)
}

// fireOnce is Node's onceWrapper: remove the wrapper, then call the
// listener with the emitter as this.
func (e *Emitter) fireOnce(w *Listener, args []any) (async bool, err error) {
	if !w.state.CompareAndSwap(0, 1) {
		return false, nil
	}
	if err := e.removeListener(w.event, w); err != nil {
		// Node sets fired only after the removal returned.
		w.state.Store(0)
		return false, err
	}
	w.state.Store(2)
	err = e.invoke(w.wraps, args)
	return w.wraps.async, err
}

// callOnce is a direct call of a once wrapper taken from RawListeners.
func (e *Emitter) callOnce(w *Listener, args []any) error {
	_, err := e.fireOnce(w, args)
	return err
}

// rejected is Node's addCatch: with captureRejections the rejection is
// emitted as 'error' on a later tick (a promise reaction, then a tick);
// without, nobody handles the promise.
func (e *Emitter) rejected(k key, args []any, reason error) {
	loop := e.Loop()
	if !e.capture.Load() {
		loop.RejectUnhandled(reason)
		return
	}
	loop.QueueMicrotask(func() {
		loop.NextTick(func() error {
			// Capturing is off while 'error' is emitted, so a
			// rejecting 'error' listener cannot loop forever.
			prev := e.capture.Swap(false)
			defer e.capture.Store(prev)
			_, err := e.emit(errorKey, []any{reason})
			return err
		})
	})
}

// ListenerCount is emitter.listenerCount(name[, listener]): the number of
// listeners, or with a listener, how many of them are it or a once wrapper
// of it.
func (e *Emitter) ListenerCount(name any, l ...*Listener) int {
	k, err := keyOf(name)
	if err != nil {
		return 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.events[k]
	if !ok {
		return 0
	}
	items := s.items()
	if len(l) == 0 || l[0] == nil {
		return len(items)
	}
	n := 0
	for _, x := range items {
		if x.matches(l[0]) {
			n++
		}
	}
	return n
}

func (s slot) items() []*Listener {
	if s.arr != nil {
		return s.arr.items
	}
	return []*Listener{s.fn}
}

// Listeners returns a copy of the event's listeners with once wrappers
// replaced by the listeners they wrap.
func (e *Emitter) Listeners(name any) []*Listener {
	raw := e.RawListeners(name)
	for i, l := range raw {
		raw[i] = l.Unwrap()
	}
	return raw
}

// RawListeners returns a copy of the event's listeners including once
// wrappers (see Listener.Wrapped and Listener.Call).
func (e *Emitter) RawListeners(name any) []*Listener {
	k, err := keyOf(name)
	if err != nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.events[k]
	if !ok {
		return []*Listener{}
	}
	return append([]*Listener(nil), s.items()...)
}

// EventNames lists the events that have listeners, in the order of
// Reflect.ownKeys: names that are array indices ("0", "42") in numeric
// order, then the other strings in the order they got their first listener,
// then symbols in that order. Each name is a string or a *Symbol.
func (e *Emitter) EventNames() []any {
	e.mu.Lock()
	defer e.mu.Unlock()
	keys := e.ownKeysLocked()
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k.value()
	}
	return out
}

// ownKeysLocked orders the event names as Reflect.ownKeys orders the
// properties of Node's _events object.
func (e *Emitter) ownKeysLocked() []key {
	var idx, strs, syms []key
	for _, k := range e.order {
		switch {
		case k.sym != nil:
			syms = append(syms, k)
		case isArrayIndex(k.s):
			idx = append(idx, k)
		default:
			strs = append(strs, k)
		}
	}
	slices.SortFunc(idx, func(a, b key) int {
		if len(a.s) != len(b.s) {
			return len(a.s) - len(b.s)
		}
		return strings.Compare(a.s, b.s)
	})
	return slices.Concat(idx, strs, syms)
}

// isArrayIndex reports whether JavaScript treats s as an integer index
// property key: a canonical decimal below 2^32-1.
func isArrayIndex(s string) bool {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n < 1<<32-1
}

// SetMaxListeners is emitter.setMaxListeners(n): the leak warning fires
// when an event gets more than n listeners; 0 means no limit. A negative n
// is the RangeError Node throws.
func (e *Emitter) SetMaxListeners(n int) error {
	if n < 0 {
		return &NodeError{
			Name:    "RangeError",
			Code:    "ERR_OUT_OF_RANGE",
			Message: fmt.Sprintf(`The value of "setMaxListeners" is out of range. It must be >= 0. Received %d`, n),
		}
	}
	e.mu.Lock()
	e.max, e.maxSet = n, true
	e.mu.Unlock()
	return nil
}

// GetMaxListeners returns the limit: DefaultMaxListeners until set.
func (e *Emitter) GetMaxListeners() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.maxLocked()
}

func (e *Emitter) maxLocked() int {
	if !e.maxSet {
		return DefaultMaxListeners
	}
	return e.max
}
