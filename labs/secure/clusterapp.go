package secure

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/secure/ratelimit"
)

// ClusterApp is the name the app is registered under in labs/cluster: a
// cluster started with App: ClusterApp and AppConfig: the JSON of a Config
// serves it from every worker.
const ClusterApp = "secure"

// rateLimitCall is the primary-side handler the "primary" store calls.
const rateLimitCall = "secure.ratelimit"

func init() { cluster.RegisterApp(ClusterApp, newClusterApp) }

// newClusterApp builds the app in a worker process from its JSON config.
func newClusterApp(w *cluster.Worker, raw json.RawMessage) (*cluster.App, error) {
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("secure app config: %w", err)
	}
	// Defaults first: an empty store means shared, which must come from
	// the primary's region, never from a table of this worker's own.
	cfg = cfg.WithDefaults()
	opt := Options{PID: w.PID()}
	if cfg.Store == StoreShared && !cfg.Weak.NoRateLimit {
		store, err := sharedStoreInWorker(w, cfg)
		if err != nil {
			return nil, err
		}
		opt.Store = store
	}
	if cfg.Store == StorePrimary && !cfg.Weak.NoRateLimit {
		opt.Store = ratelimit.NewRemote(func(ctx context.Context, data []byte) ([]byte, error) {
			var out json.RawMessage
			err := w.Call(ctx, rateLimitCall, json.RawMessage(data), &out)
			return out, err
		})
	}
	app, err := New(cfg, opt)
	if err != nil {
		return nil, err
	}
	return &cluster.App{Fast: app.Handle, ConfigureFast: app.ConfigureServer}, nil
}

// ClusterHandlers returns what the cluster primary must answer for cfg: for
// the "primary" store, one Memory store holding every worker's counters.
func ClusterHandlers(cfg Config) map[string]cluster.Handler {
	cfg = cfg.WithDefaults()
	if cfg.Store != StorePrimary || cfg.Weak.NoRateLimit {
		return nil
	}
	serve := ratelimit.ServeRemote(ratelimit.NewMemory(cfg.Window))
	return map[string]cluster.Handler{
		rateLimitCall: func(ctx context.Context, _ cluster.WorkerRef, payload json.RawMessage) (any, error) {
			out, err := serve(ctx, payload)
			if err != nil {
				return nil, err
			}
			return json.RawMessage(out), nil
		},
	}
}
