package emitter

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder returns a listener that appends its label to log.
func recorder(log *[]string, label string) *Listener {
	return NewListener(label, func(*Emitter, ...any) error {
		*log = append(*log, label)
		return nil
	})
}

func TestOrderPrependAndReturn(t *testing.T) {
	var e Emitter // the zero value works
	var log []string
	a, b, c, d := recorder(&log, "a"), recorder(&log, "b"), recorder(&log, "c"), recorder(&log, "d")
	must(t, e.On("x", a))
	must(t, e.PrependListener("x", b))
	must(t, e.On("x", c))
	must(t, e.PrependOnceListener("x", d))
	ok, err := e.Emit("x")
	if !ok || err != nil {
		t.Fatalf("Emit = %v, %v; want true, nil", ok, err)
	}
	if _, err := e.Emit("x"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(log, ","); got != "d,b,a,c,b,a,c" {
		t.Errorf("call order %s, want d,b,a,c,b,a,c", got)
	}
	if ok, _ := e.Emit("nobody"); ok {
		t.Error("Emit with no listeners returned true")
	}
}

func TestOffRemovesByIdentity(t *testing.T) {
	e := New()
	var log []string
	a := recorder(&log, "a")
	must(t, e.On("x", a))
	must(t, e.On("x", a))
	must(t, e.Off("x", a))
	if n := e.ListenerCount("x"); n != 1 {
		t.Fatalf("after adding twice and removing once: %d listeners, want 1", n)
	}
	// Another listener with the same label is a different function.
	must(t, e.Off("x", recorder(&log, "a")))
	if n := e.ListenerCount("x"); n != 1 {
		t.Fatalf("removing a different function with the same label removed something")
	}
	if err := e.On("x", nil); err == nil || !strings.Contains(err.Error(), `"listener" argument must be of type function`) {
		t.Errorf("On(nil) = %v, want a TypeError about the listener", err)
	}
}

func TestUnhandledError(t *testing.T) {
	e := New()
	boom := errors.New("boom")
	ok, err := e.Emit("error", boom)
	if ok || !errors.Is(err, boom) {
		t.Fatalf("emit('error', err) = %v, %v; want false and the same error value", ok, err)
	}
	_, err = e.Emit("error", "oops")
	var ne *NodeError
	if !errors.As(err, &ne) || ne.Code != "ERR_UNHANDLED_ERROR" || ne.Message != "Unhandled error. ('oops')" || ne.Context != "oops" {
		t.Fatalf("emit('error', 'oops') = %#v, want ERR_UNHANDLED_ERROR \"Unhandled error. ('oops')\"", err)
	}

	var seen []any
	must(t, e.On(ErrorMonitor, NewListener("monitor", func(_ *Emitter, args ...any) error {
		seen = append(seen, args[0])
		return nil
	})))
	if _, err := e.Emit("error", boom); !errors.Is(err, boom) {
		t.Fatalf("with only an errorMonitor the error must still be thrown, got %v", err)
	}
	if len(seen) != 1 || seen[0] != any(boom) {
		t.Fatalf("errorMonitor saw %v, want the error", seen)
	}
	must(t, e.On("error", NewListener("handler", func(*Emitter, ...any) error { return nil })))
	if ok, err := e.Emit("error", boom); !ok || err != nil {
		t.Fatalf("handled error: Emit = %v, %v", ok, err)
	}
}

func TestLeakWarningIsDeferredAndOnce(t *testing.T) {
	e := NewWith(Options{ClassName: "BankAccount"})
	var got []*Warning
	e.Loop().OnWarning(func(w *Warning) { got = append(got, w) })
	for i := range 12 {
		must(t, e.On("data", NewListener("l", func(*Emitter, ...any) error { return nil })))
		if i == 10 && len(got) != 0 {
			t.Fatal("the warning must wait for a later tick")
		}
	}
	if err := e.Loop().Drain(); err != nil {
		t.Fatal(err)
	}
	want := "Possible EventEmitter memory leak detected. 11 data listeners added to [BankAccount]. " +
		"MaxListeners is 10. Use emitter.setMaxListeners() to increase limit"
	if len(got) != 1 || got[0].Message != want || got[0].Name != "MaxListenersExceededWarning" || got[0].Count != 11 {
		t.Fatalf("warnings %v, want exactly one: %s", got, want)
	}
	if !strings.HasPrefix(got[0].NodeOutput(42), "(node:42) MaxListenersExceededWarning: Possible EventEmitter") {
		t.Errorf("NodeOutput = %q", got[0].NodeOutput(42))
	}
	if err := e.SetMaxListeners(-1); err == nil || !strings.Contains(err.Error(), "It must be >= 0. Received -1") {
		t.Errorf("SetMaxListeners(-1) = %v, want the RangeError", err)
	}
}

func TestOnceFutureAcrossGoroutines(t *testing.T) {
	e := New()
	f, err := Once(e, "ready")
	must(t, err)
	done := make(chan []any)
	go func() {
		args, err := f.Wait(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- args
	}()
	if n := e.ListenerCount("error"); n != 1 {
		t.Fatalf("while waiting, 'error' has %d listeners, want 1 (events.once guards it)", n)
	}
	if _, err := e.Emit("ready", 1, "two"); err != nil {
		t.Fatal(err)
	}
	select {
	case args := <-done:
		if len(args) != 2 || args[0] != 1 || args[1] != "two" {
			t.Fatalf("resolved with %v", args)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("future did not resolve")
	}
	if n := e.ListenerCount("error"); n != 0 {
		t.Fatalf("after resolving, 'error' still has %d listeners", n)
	}

	f, err = Once(e, "ready")
	must(t, err)
	boom := errors.New("boom")
	if _, err := e.Emit("error", boom); err != nil {
		t.Fatalf("events.once's error listener should have handled the error, got %v", err)
	}
	if _, err := f.Wait(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("rejected with %v, want boom", err)
	}
	if ok, _ := e.Emit("ready"); ok {
		t.Fatal("the resolver should have been removed on rejection")
	}
}

func TestCapturedRejectionWithoutHandlerKillsTheLoop(t *testing.T) {
	e := NewWith(Options{CaptureRejections: true})
	boom := errors.New("async boom")
	must(t, e.On("job", NewArrow("bad", func(*Emitter, ...any) error { return boom }).Async()))
	if _, err := e.Emit("job"); err != nil {
		t.Fatalf("an async listener's rejection is not a throw, got %v", err)
	}
	// No 'error' listener: the tick that emits 'error' throws, and with
	// no uncaughtException handler Node would exit.
	if err := e.Loop().Drain(); !errors.Is(err, boom) {
		t.Fatalf("Drain = %v, want the rejection as an uncaught exception", err)
	}
}

func TestThisBinding(t *testing.T) {
	e := New()
	var normal, arrow *Emitter
	must(t, e.On("x", NewListener("n", func(this *Emitter, _ ...any) error { normal = this; return nil })))
	must(t, e.On("x", NewArrow("a", func(this *Emitter, _ ...any) error { arrow = this; return nil })))
	_, _ = e.Emit("x")
	if normal != e || arrow != nil {
		t.Fatalf("this: normal %p arrow %p, want %p and nil", normal, arrow, e)
	}
}

// TestConcurrentUse hammers one emitter from several goroutines: run with
// -race. A once listener must fire exactly once however many goroutines
// emit at the same moment.
func TestConcurrentUse(t *testing.T) {
	e := New()
	must(t, e.SetMaxListeners(0))
	var fired, calls atomic.Int64
	must(t, e.Once("go", NewListener("once", func(*Emitter, ...any) error { fired.Add(1); return nil })))
	counter := NewListener("count", func(*Emitter, ...any) error { calls.Add(1); return nil })
	must(t, e.On("go", counter))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := NewListener("tmp", func(*Emitter, ...any) error { return nil })
			for range 200 {
				if _, err := e.Emit("go", g); err != nil {
					t.Error(err)
					return
				}
				_ = e.On("go", l)
				_ = e.Off("go", l)
				_ = e.EventNames()
				_ = e.Listeners("go")
			}
		}()
	}
	wg.Wait()
	if fired.Load() != 1 {
		t.Fatalf("once listener fired %d times", fired.Load())
	}
	if calls.Load() != 8*200 {
		t.Fatalf("counter ran %d times, want %d", calls.Load(), 8*200)
	}
	if n := e.ListenerCount("go"); n != 1 {
		t.Fatalf("%d listeners left, want 1", n)
	}
}

func TestInspect(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{"oops", "'oops'"},
		{"it's", `"it's"`},
		{42.0, "42"},
		{nil, "null"},
		{Undefined, "undefined"},
		{[]any{1.0, "a"}, "[ 1, 'a' ]"},
		{map[string]any{"code": 1.0, "two words": true}, "{ code: 1, 'two words': true }"},
		{map[string]any{}, "{}"},
	} {
		if got := Inspect(c.v); got != c.want {
			t.Errorf("Inspect(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkEmit10 emits one argument to ten listeners: the target is well
// under a microsecond per emit.
func BenchmarkEmit10(b *testing.B) {
	e := New()
	var sink atomic.Int64
	for range 10 {
		_ = e.On("data", NewListener("l", func(_ *Emitter, args ...any) error {
			sink.Add(int64(len(args)))
			return nil
		}))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Emit("data", 7); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmit10NoArgs is the same without arguments, which needs no
// allocation at all.
func BenchmarkEmit10NoArgs(b *testing.B) {
	e := New()
	var sink atomic.Int64
	for range 10 {
		_ = e.On("data", NewListener("l", func(*Emitter, ...any) error { sink.Add(1); return nil }))
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e.Emit("data")
	}
}
