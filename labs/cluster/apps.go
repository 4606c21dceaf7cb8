package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// App is what a worker serves. A registered AppFactory builds one in every
// worker process from the cluster's AppConfig.
type App struct {
	// Handler answers the requests. The worker wraps it: every response
	// gets the X-Worker-Pid header and is counted.
	Handler http.Handler
	// Configure, when set, adjusts the worker's http.Server before it
	// serves: read timeouts against slow clients, ErrorLog, TLSConfig
	// (a non-nil TLSConfig makes the worker serve TLS on the shared port).
	// The worker's own ConnState hook is kept and chained after yours.
	Configure func(*http.Server)

	// Fast, when set, is served instead of Handler, by fasthttp: for an
	// app whose per-request cost must stay near the floor (the hardened
	// security app). ConfigureFast adjusts that server as Configure does
	// the net/http one; a non-nil TLSConfig there serves TLS.
	Fast          fasthttp.RequestHandler
	ConfigureFast func(*fasthttp.Server)
}

// AppFactory builds a worker's App. config is Config.AppConfig verbatim
// (nil when unset). w gives the app its identity and the IPC call to the
// primary. An error stops the worker before it listens; its message is
// printed on stderr, which the primary reports.
type AppFactory func(w *Worker, config json.RawMessage) (*App, error)

var (
	appsMu sync.RWMutex
	apps   = map[string]AppFactory{}
)

// RegisterApp makes an app available to Go workers under name. Call it from
// an init function of the package that defines the app: workers are fresh
// processes of the same binary, so registration must happen at start-up in
// both the primary (which checks the name) and the workers (which build the
// app). Registering a name twice panics, like http.Handle.
func RegisterApp(name string, f AppFactory) {
	appsMu.Lock()
	defer appsMu.Unlock()
	if name == "" || f == nil {
		panic("cluster: RegisterApp needs a name and a factory")
	}
	if _, dup := apps[name]; dup {
		panic("cluster: app " + strconv.Quote(name) + " registered twice")
	}
	apps[name] = f
}

// Apps lists the registered app names, sorted.
func Apps() []string {
	appsMu.RLock()
	defer appsMu.RUnlock()
	names := make([]string, 0, len(apps))
	for n := range apps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func lookupApp(name string) (AppFactory, bool) {
	appsMu.RLock()
	defer appsMu.RUnlock()
	f, ok := apps[name]
	return f, ok
}

// DefaultApp is the app a cluster serves when Config.App is empty.
const DefaultApp = "hello"

func init() {
	RegisterApp(DefaultApp, newHelloApp)
}

// helloConfig is the hello app's AppConfig (all optional).
type helloConfig struct {
	// MaxDelayMS caps the ?delay= query parameter.
	MaxDelayMS int `json:"max_delay_ms"`
}

// newHelloApp serves the lab's default endpoint: GET / answers with the
// worker's identity as JSON, the same shape as the Node server's. ?delay=MS
// holds the response that long (capped), so a drain has in-flight requests
// to wait for.
func newHelloApp(w *Worker, config json.RawMessage) (*App, error) {
	cfg := helloConfig{MaxDelayMS: 2000}
	if len(config) > 0 {
		if err := json.Unmarshal(config, &cfg); err != nil {
			return nil, fmt.Errorf("hello app config: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
		if d := r.URL.Query().Get("delay"); d != "" {
			ms, err := strconv.Atoi(d)
			if err != nil || ms < 0 {
				writeJSON(rw, http.StatusBadRequest, map[string]string{"error": "delay must be a number of milliseconds"})
				return
			}
			ms = min(ms, cfg.MaxDelayMS)
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		writeJSON(rw, http.StatusOK, map[string]any{
			"pid":     w.PID(),
			"worker":  w.ID(),
			"runtime": string(RuntimeGo),
			"app":     DefaultApp,
		})
	})
	mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusNotFound, map[string]string{"error": "not found"})
	})
	return &App{Handler: mux}, nil
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	rw.WriteHeader(status)
	_, _ = rw.Write(append(b, '\n'))
}
