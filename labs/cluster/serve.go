package cluster

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// appServer is the HTTP server inside a worker: net/http for an App with a
// Handler, fasthttp for one with a Fast handler. Both count requests and
// connections on the Worker and stamp every response with X-Worker-Pid.
type appServer interface {
	// serve answers on ln until drain or close; TLS is added when the
	// app configured it.
	serve(ln net.Listener)
	// drain stops taking work: keep-alive goes off (idle connections close
	// now, busy ones after their response, so clients reconnect to another
	// worker) and ln closes. serve returns once every connection it
	// accepted is counted.
	drain(ln net.Listener, deadline time.Time)
	// close drops whatever connections are still open.
	close()
}

type httpServer struct {
	s *http.Server

	mu sync.Mutex
	// fresh holds the connections that have not sent a request yet.
	fresh map[net.Conn]struct{}
}

func newHTTPServer(w *Worker, app *App) *httpServer {
	pidHeader := []string{strconv.Itoa(w.pid)}
	s := &http.Server{
		Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			w.requests.Add(1)
			rw.Header()["X-Worker-Pid"] = pidHeader
			app.Handler.ServeHTTP(rw, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	if app.Configure != nil {
		app.Configure(s)
	}
	h := &httpServer{s: s, fresh: map[net.Conn]struct{}{}}
	appState := s.ConnState
	s.ConnState = func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			w.conns.Add(1)
			h.mu.Lock()
			h.fresh[c] = struct{}{}
			h.mu.Unlock()
		case http.StateActive:
			h.mu.Lock()
			delete(h.fresh, c)
			h.mu.Unlock()
		case http.StateClosed, http.StateHijacked:
			w.conns.Add(-1)
			h.mu.Lock()
			delete(h.fresh, c)
			h.mu.Unlock()
		}
		if appState != nil {
			appState(c, st)
		}
	}
	return h
}

func (h *httpServer) serve(ln net.Listener) {
	if h.s.TLSConfig != nil {
		ln = tls.NewListener(ln, h.s.TLSConfig)
	}
	_ = h.s.Serve(ln)
}

// drain does not use http.Server.Shutdown: a request read after Shutdown
// begins is dropped with its connection closed unanswered, which a client
// sees as a failed request on a fresh connection. Turning keep-alive off and
// letting the worker wait for its count of open connections to reach zero
// answers every one of them.
//
// Keep-alive off closes idle connections, but not one that was opened and
// never used (HTTP clients dial spares): net/http would wait for its header
// timeout. A client sends its request as soon as it connects, so such a
// connection gets a second to do so, then it is closed.
//
// Turning keep-alive off closes the connections idle at that moment; one
// that was finishing a response just then goes idle a moment later and
// would wait for a request its client may never send. The drain therefore
// closes idle connections again every idleSweep until its deadline.
func (h *httpServer) drain(ln net.Listener, deadline time.Time) {
	h.s.SetKeepAlivesEnabled(false)
	ln.Close()
	h.mu.Lock()
	for c := range h.fresh {
		_ = c.SetReadDeadline(time.Now().Add(freshConnGrace))
	}
	h.mu.Unlock()
	go func() {
		t := time.NewTicker(idleSweep)
		defer t.Stop()
		for now := range t.C {
			if !now.Before(deadline) {
				return
			}
			h.s.SetKeepAlivesEnabled(false) // closes the idle connections
		}
	}()
}

// idleSweep is how often a draining worker closes connections that went
// idle since the drain began.
const idleSweep = 50 * time.Millisecond

// freshConnGrace is how long a draining worker waits for the first request
// on a connection that has sent nothing yet.
const freshConnGrace = time.Second

func (h *httpServer) close() { h.s.Close() }

type fastServer struct{ s *fasthttp.Server }

func newFastServer(w *Worker, app *App) *fastServer {
	pid := []byte(strconv.Itoa(w.pid))
	s := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			w.requests.Add(1)
			app.Fast(ctx)
			// After the app, which may start from a header template:
			// the response is written once the handler returns.
			ctx.Response.Header.SetBytesV("X-Worker-Pid", pid)
		},
		ReadTimeout: 10 * time.Second,
		IdleTimeout: 30 * time.Second,
		// Responses written while draining say Connection: close.
		CloseOnShutdown: true,
	}
	if app.ConfigureFast != nil {
		app.ConfigureFast(s)
	}
	// The app's answers to requests fasthttp could not read (too big, too
	// slow) are this worker's responses too.
	if onError := s.ErrorHandler; onError != nil {
		s.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
			w.requests.Add(1)
			onError(ctx, err)
			ctx.Response.Header.SetBytesV("X-Worker-Pid", pid)
		}
	}
	appState := s.ConnState
	s.ConnState = func(c net.Conn, st fasthttp.ConnState) {
		switch st {
		case fasthttp.StateNew:
			w.conns.Add(1)
		case fasthttp.StateClosed, fasthttp.StateHijacked:
			w.conns.Add(-1)
		}
		if appState != nil {
			appState(c, st)
		}
	}
	return &fastServer{s}
}

func (f *fastServer) serve(ln net.Listener) {
	ln = lingerListener{ln}
	if f.s.TLSConfig != nil {
		ln = tls.NewListener(ln, f.s.TLSConfig)
	}
	_ = f.s.Serve(ln)
}

// drain is fasthttp's own shutdown: it closes the listener, closes idle
// connections, and marks busy ones to close after their response. An idle
// connection it closes just as a request arrives on it drops that request;
// clients retry idempotent requests on a reused connection for exactly this
// race, as they do with net/http.
func (f *fastServer) drain(_ net.Listener, deadline time.Time) {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_ = f.s.ShutdownWithContext(ctx)
}

// close: fasthttp has no forced close; the process exits right after.
func (f *fastServer) close() {}
