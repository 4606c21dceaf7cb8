package emitter

import (
	"sync/atomic"
)

// Func is the body of a listener. this is the emitter for a listener written
// as a normal function and nil for an arrow function, which keeps the this
// of the place it was written in. Returning a non-nil error is a throw: emit
// stops and hands the error to its caller, as a throwing JavaScript listener
// would. For an async listener the error is a rejected promise instead.
type Func func(this *Emitter, args ...any) error

// Listener is a listener function. Go funcs cannot be compared, so the
// *Listener pointer is the function's identity: adding the same *Listener
// twice is adding the same JavaScript function twice, and Off removes by
// pointer.
type Listener struct {
	label string
	fn    Func
	arrow bool
	async bool

	// Set on the wrappers once() and prependOnceListener() register. Node
	// binds onceWrapper to a state object; wraps is its .listener property.
	wraps  *Listener
	target *Emitter
	event  key
	// state is 0 until the wrapper is claimed, 1 while it removes itself,
	// 2 after it fired. Node keeps a plain boolean; the compare-and-swap
	// makes a once listener fire once even when goroutines emit at the
	// same time.
	state atomic.Int32
}

// NewListener returns a listener written as a normal function: it is called
// with the emitter as this. label names it in traces and logs, like a
// JavaScript function's name.
func NewListener(label string, fn Func) *Listener {
	return &Listener{label: label, fn: fn}
}

// NewArrow returns a listener written as an arrow function: it does not get
// the emitter as this.
func NewArrow(label string, fn Func) *Listener {
	return &Listener{label: label, fn: fn, arrow: true}
}

// Async marks the listener as an async function: an error it returns is a
// rejected promise, not a throw, so emit carries on with the next listener.
// With CaptureRejections the rejection reaches the emitter's 'error' event
// on a later tick; without it, it is an unhandled rejection. It returns l
// and must be called before l is added anywhere.
func (l *Listener) Async() *Listener {
	l.async = true
	return l
}

// Label is the name given to the listener. A once wrapper's label is
// "once(" + the wrapped listener's label + ")".
func (l *Listener) Label() string {
	if l.wraps != nil {
		return "once(" + l.wraps.Label() + ")"
	}
	return l.label
}

func (l *Listener) String() string { return l.Label() }

// IsArrow reports whether the listener is an arrow function.
func (l *Listener) IsArrow() bool { return l.arrow }

// IsAsync reports whether the listener is an async function.
func (l *Listener) IsAsync() bool { return l.async }

// Wrapped returns the listener a once wrapper stands for (its .listener
// property in Node), or nil for an ordinary listener.
func (l *Listener) Wrapped() *Listener { return l.wraps }

// Unwrap returns the wrapped listener of a once wrapper, else l itself: what
// listeners() shows for it.
func (l *Listener) Unwrap() *Listener {
	if l.wraps != nil {
		return l.wraps
	}
	return l
}

// matches is Node's test `list[i] === listener || list[i].listener === listener`.
func (l *Listener) matches(target *Listener) bool {
	return l == target || (l.wraps != nil && l.wraps == target)
}

// Call invokes the listener directly, as calling a function taken from
// rawListeners() does. A once wrapper removes itself from its emitter and
// then calls the wrapped listener with the emitter as this; an ordinary
// listener is called with this undefined (nil), as a plain strict-mode call
// is. The error is what the call throws, or, when Unwrap().IsAsync(), the
// rejection of the promise it returns, which nothing catches.
func (l *Listener) Call(args ...any) error {
	if l.wraps != nil {
		return l.target.callOnce(l, args)
	}
	return l.fn(nil, args...)
}
