package emitter

import (
	"sync"
)

// Loop models the part of Node's event loop an emitter touches: the
// process.nextTick queue, the microtask queue and the unhandled-rejection
// check. Some EventEmitter behaviour is not synchronous in Node: the
// MaxListenersExceededWarning is emitted on a later tick, a rejection
// captured with captureRejections reaches 'error' on a later tick, and the
// promise of events.once settles its callbacks as microtasks. Nothing runs
// until Drain is called, which is what Node does once the current
// synchronous code has returned.
//
// A Loop is safe for concurrent use; Drain runs the jobs on the caller's
// goroutine.
type Loop struct {
	mu         sync.Mutex
	ticks      []func() error
	micro      []func()
	rejections []error

	onWarning   func(*Warning)
	onUncaught  func(error)
	onRejection func(error)
	warnings    []*Warning
}

// NewLoop returns an empty loop with no handlers.
func NewLoop() *Loop { return &Loop{} }

// OnWarning sets the process.on('warning') handler. Without one, warnings
// are only kept for Warnings().
func (l *Loop) OnWarning(fn func(*Warning)) { l.mu.Lock(); l.onWarning = fn; l.mu.Unlock() }

// OnUncaughtException sets the process.on('uncaughtException') handler.
// Without one, Drain stops at the first uncaught exception and returns it:
// the point where Node would print it and exit with code 1.
func (l *Loop) OnUncaughtException(fn func(error)) { l.mu.Lock(); l.onUncaught = fn; l.mu.Unlock() }

// OnUnhandledRejection sets the process.on('unhandledRejection') handler.
// Without one an unhandled rejection is an uncaught exception, as in Node
// 15 and later.
func (l *Loop) OnUnhandledRejection(fn func(error)) { l.mu.Lock(); l.onRejection = fn; l.mu.Unlock() }

// Warnings returns the warnings delivered so far.
func (l *Loop) Warnings() []*Warning {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Warning(nil), l.warnings...)
}

// NextTick queues fn like process.nextTick. An error it returns is an
// uncaught exception.
func (l *Loop) NextTick(fn func() error) {
	l.mu.Lock()
	l.ticks = append(l.ticks, fn)
	l.mu.Unlock()
}

// QueueMicrotask queues fn like queueMicrotask (a promise reaction).
func (l *Loop) QueueMicrotask(fn func()) {
	l.mu.Lock()
	l.micro = append(l.micro, fn)
	l.mu.Unlock()
}

// Pending reports whether anything is queued.
func (l *Loop) Pending() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ticks)+len(l.micro)+len(l.rejections) > 0
}

// RejectUnhandled records a promise rejected with no handler attached; the
// next Drain reports it (Node's 'unhandledRejection').
func (l *Loop) RejectUnhandled(reason error) {
	l.mu.Lock()
	l.rejections = append(l.rejections, reason)
	l.mu.Unlock()
}

func (l *Loop) warn(w *Warning) {
	l.mu.Lock()
	l.warnings = append(l.warnings, w)
	fn := l.onWarning
	l.mu.Unlock()
	if fn != nil {
		fn(w)
	}
}

// Drain runs queued work until nothing is left, in Node's order for code
// that runs as a promise continuation (the way an async main function or a
// TUI callback does): the microtask queue first, then rounds of every
// queued tick followed by the microtasks they queued, then the
// unhandled-rejection check, until all are empty. It returns the first
// uncaught exception that has no handler; Node would die of it, so the
// rest of the queue stays queued.
func (l *Loop) Drain() error {
	l.runMicrotasks()
	if !l.hasTicks() && !l.hasRejections() {
		return nil
	}
	for {
		for {
			job := l.pop()
			if job == nil {
				break
			}
			if err := job(); err != nil {
				if !l.uncaught(err) {
					return err
				}
			}
		}
		l.runMicrotasks()
		if l.hasTicks() {
			continue
		}
		handled, err := l.processRejections()
		if err != nil {
			return err
		}
		if !handled && !l.hasTicks() {
			return nil
		}
	}
}

func (l *Loop) pop() func() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ticks) == 0 {
		return nil
	}
	job := l.ticks[0]
	l.ticks[0] = nil
	l.ticks = l.ticks[1:]
	return job
}

func (l *Loop) runMicrotasks() {
	for {
		l.mu.Lock()
		if len(l.micro) == 0 {
			l.mu.Unlock()
			return
		}
		job := l.micro[0]
		l.micro[0] = nil
		l.micro = l.micro[1:]
		l.mu.Unlock()
		job()
	}
}

func (l *Loop) hasTicks() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ticks) > 0
}

func (l *Loop) hasRejections() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.rejections) > 0
}

// processRejections hands each pending rejection to the handler, or, with
// none, turns the first into an uncaught exception.
func (l *Loop) processRejections() (handled bool, err error) {
	l.mu.Lock()
	pending := l.rejections
	l.rejections = nil
	fn := l.onRejection
	l.mu.Unlock()
	for i, r := range pending {
		if fn != nil {
			fn(r)
			handled = true
			continue
		}
		if !l.uncaught(r) {
			l.mu.Lock()
			l.rejections = append(pending[i+1:len(pending):len(pending)], l.rejections...)
			l.mu.Unlock()
			return handled, r
		}
		handled = true
	}
	return handled, nil
}

func (l *Loop) uncaught(err error) bool {
	l.mu.Lock()
	fn := l.onUncaught
	l.mu.Unlock()
	if fn == nil {
		return false
	}
	fn(err)
	return true
}
