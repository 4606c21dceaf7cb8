package load

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestStopsAtMaxRequestsAndCountsWorkers(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Two pretend workers, alternating.
		if n.Add(1)%2 == 0 {
			w.Header().Set(WorkerHeader, "101")
		} else {
			w.Header().Set(WorkerHeader, "202")
		}
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, MaxRequests: 300, Duration: 30 * time.Second, Connections: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 300 || res.Successes != 300 || res.Errors != 0 || n.Load() != 300 {
		t.Fatalf("requests %d successes %d errors %d, server saw %d", res.Requests, res.Successes, res.Errors, n.Load())
	}
	if len(res.Workers) != 2 || res.Workers[0].Requests+res.Workers[1].Requests != 300 || res.Share(101) != 0.5 {
		t.Errorf("per worker: %+v", res.Workers)
	}
	if res.StatusCodes[200] != 300 || res.Latency.P50 <= 0 || res.Latency.P99 < res.Latency.P50 || res.Latency.Max < res.Latency.P99 {
		t.Errorf("status %v latency %+v", res.StatusCodes, res.Latency)
	}
}

func TestStopsAtDurationAndSamples(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
	}))
	defer srv.Close()
	var mu sync.Mutex
	var live []Sample
	start := time.Now()
	res, err := Run(context.Background(), Config{
		URL: srv.URL, Duration: 600 * time.Millisecond, Connections: 2, KeepAlive: true,
		SampleEvery: 100 * time.Millisecond, OnSample: func(s Sample) {
			mu.Lock()
			live = append(live, s)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("a 600ms run took %v", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(live) < 4 || len(live) != len(res.Samples) {
		t.Fatalf("got %d live samples, %d in the result", len(live), len(res.Samples))
	}
	var sum int64
	for _, s := range live {
		sum += s.Requests
		if s.Requests > 0 && (s.RPS <= 0 || s.P99 < 2*time.Millisecond) {
			t.Errorf("sample %+v", s)
		}
	}
	if sum != res.Requests || res.Requests < 50 {
		t.Errorf("samples add up to %d, result says %d", sum, res.Requests)
	}
}

func TestKeepAliveUsesOneConnectionPerClient(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns[c.RemoteAddr().String()] = true
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	for _, tc := range []struct {
		keepAlive bool
		want      int
	}{{true, 3}, {false, 60}} {
		mu.Lock()
		clear(conns)
		mu.Unlock()
		res, err := Run(context.Background(), Config{URL: srv.URL, MaxRequests: 60, Duration: 10 * time.Second, Connections: 3, KeepAlive: tc.keepAlive})
		if err != nil || res.Errors != 0 {
			t.Fatal(err, res.ErrorsByKind)
		}
		mu.Lock()
		got := len(conns)
		mu.Unlock()
		if got != tc.want || res.Dials != int64(tc.want) || res.Requests != 60 {
			t.Errorf("keep-alive %v: %d connections (%d dials reported) for %d requests, want %d for 60", tc.keepAlive, got, res.Dials, res.Requests, tc.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	// refused: a port nobody listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		_ = c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tc := range []struct{ url, kind string }{
		{closed, ErrRefused},
		{srv.URL + "/500", ErrStatus5xx},
		{srv.URL + "/429", ErrStatus4xx},
		{srv.URL + "/slow", ErrTimeout},
		{srv.URL + "/reset", ErrReset},
	} {
		res, err := Run(context.Background(), Config{URL: tc.url, MaxRequests: 4, Duration: 10 * time.Second, Connections: 2, Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 4 || res.ErrorsByKind[tc.kind] != 4 || res.ErrorSamples[tc.kind] == "" {
			t.Errorf("%s: want 4 %s errors, got %v %v", tc.url, tc.kind, res.ErrorsByKind, res.ErrorSamples)
		}
	}
}

func TestCancelIsNotAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, Config{URL: srv.URL, Duration: time.Minute, Connections: 2})
	if err == nil || res == nil || res.Errors != 0 {
		t.Fatalf("err %v, result %+v", err, res)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "localhost:80", Duration: time.Second}, "not an http"},
		{Config{URL: "http://127.0.0.1:1/"}, "needs a bound"},
		{Config{URL: "http://127.0.0.1:1/", Duration: time.Hour}, "limit"},
		{Config{URL: "http://127.0.0.1:1/", Duration: time.Second, Connections: 5000}, "connections"},
	} {
		if _, err := Run(context.Background(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
