package emitter

import (
	"context"
	"sync"
)

// Future is the promise events.once returns. It settles synchronously,
// inside the emit that resolves or rejects it; Done is closed then, for Go
// code waiting on another goroutine. Then callbacks run as microtasks on the
// emitter's loop, the way a JavaScript .then callback would.
type Future struct {
	loop *Loop
	done chan struct{}

	mu      sync.Mutex
	settled bool
	args    []any
	err     error
	thens   []func([]any, error)
}

// Once is events.once(emitter, name): a future that resolves with the
// arguments of the next name event, or rejects with the error if 'error' is
// emitted first. While it waits, the emitter has a once listener named
// "resolver" on name and, unless name is 'error', a once listener named
// "errorListener" on 'error' (so an 'error' does not throw meanwhile). The
// error is what a 'newListener' listener threw while they were added.
func Once(e *Emitter, name any) (*Future, error) {
	k, err := keyOf(name)
	if err != nil {
		return nil, err
	}
	f := &Future{loop: e.Loop(), done: make(chan struct{})}
	var resolver, errorListener *Listener
	errorListener = NewArrow("errorListener", func(_ *Emitter, args ...any) error {
		if err := e.removeListener(k, resolver); err != nil {
			return err
		}
		f.settle(nil, rejection(args))
		return nil
	})
	resolver = NewArrow("resolver", func(_ *Emitter, args ...any) error {
		if err := e.removeListener(errorKey, errorListener); err != nil {
			return err
		}
		f.settle(append([]any{}, args...), nil)
		return nil
	})
	if err := e.Once(name, resolver); err != nil {
		return nil, err
	}
	if k != errorKey {
		if err := e.Once("error", errorListener); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// rejection turns the first argument of 'error' into the reason.
func rejection(args []any) error {
	if len(args) == 0 {
		return &Thrown{Value: Undefined}
	}
	if err, ok := args[0].(error); ok && err != nil {
		return err
	}
	return &Thrown{Value: args[0]}
}

func (f *Future) settle(args []any, err error) {
	f.mu.Lock()
	if f.settled {
		f.mu.Unlock()
		return
	}
	f.settled, f.args, f.err = true, args, err
	thens := f.thens
	f.thens = nil
	f.mu.Unlock()
	close(f.done)
	for _, fn := range thens {
		f.schedule(fn)
	}
}

func (f *Future) schedule(fn func([]any, error)) {
	args, err := f.args, f.err
	f.loop.QueueMicrotask(func() { fn(args, err) })
}

// Then registers fn to run as a microtask once the future has settled (at
// once if it already has): with the event's arguments, or with the reason.
func (f *Future) Then(fn func(args []any, err error)) {
	f.mu.Lock()
	if !f.settled {
		f.thens = append(f.thens, fn)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	f.schedule(fn)
}

// Done is closed when the future settles.
func (f *Future) Done() <-chan struct{} { return f.done }

// Result returns the outcome; settled is false while it is pending.
func (f *Future) Result() (args []any, settled bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.args, f.settled, f.err
}

// Wait blocks until the future settles or ctx ends.
func (f *Future) Wait(ctx context.Context) ([]any, error) {
	select {
	case <-f.done:
		args, _, err := f.Result()
		return args, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
