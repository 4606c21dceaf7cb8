package launch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/internal/noderun"
	"github.com/nodedive/nodedive/internal/proc"
	"github.com/nodedive/nodedive/labs/loopback"
	"github.com/nodedive/nodedive/labs/npmcache"
	"github.com/nodedive/nodedive/labs/secure"
)

// NodeAppDir is the Express app's directory in content.Labs().
const NodeAppDir = "secure"

// InstallNodeApp makes sure the Express app's npm packages are installed in
// cacheDir (npm ci, once) and returns its directory.
func InstallNodeApp(ctx context.Context, cacheDir string, progress func(string), npmEnv []string) (string, error) {
	return installNodeApp(ctx, Options{CacheDir: cacheDir, Progress: progress, NpmEnv: npmEnv})
}

// installNodeApp installs the app's packages with npm running on the
// node that will run the app.
func installNodeApp(ctx context.Context, opts Options) (string, error) {
	src, err := fs.Sub(content.Labs(), NodeAppDir)
	if err != nil {
		return "", err
	}
	return npmcache.Ensure(ctx, src, opts.CacheDir, npmcache.Options{Name: NodeAppDir, Progress: opts.Progress, Env: opts.NpmEnv, Node: opts.Node})
}

// listening is the line the Express app's primary prints once every worker
// serves.
type listening struct {
	Event   string `json:"event"`
	URL     string `json:"url"`
	Primary int    `json:"primary"`
	Workers []int  `json:"workers"`
	Store   string `json:"store"`
	Policy  string `json:"schedulingPolicy"`
}

func (l *Lab) startNode(ctx context.Context, opts Options, cfg secure.Config) error {
	node, err := noderun.Find(opts.Node)
	if err != nil {
		return err
	}
	dir, err := installNodeApp(ctx, opts)
	if err != nil {
		return err
	}
	port := opts.Port
	if port == 0 {
		// Node workers that listen(0) share the port the primary picked,
		// but a worker forked after all the others died would get a new
		// one; a fixed port keeps the URL stable.
		if port, err = loopback.FreePort(); err != nil {
			return err
		}
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	env := []string{
		"LAB_HOST=127.0.0.1",
		"LAB_PORT=" + strconv.Itoa(port),
		"LAB_WORKERS=" + strconv.Itoa(opts.Workers),
		"LAB_STORE=" + cfg.Store,
		"LAB_RATE_LIMIT=" + strconv.Itoa(cfg.Limit),
		"LAB_RATE_WINDOW_MS=" + ms(cfg.Window),
		"LAB_CORS_ORIGINS=" + strings.Join(cfg.AllowedOrigins, ","),
		"LAB_TOKEN_TTL_S=" + strconv.FormatInt(int64(cfg.TokenTTL/time.Second), 10),
		"LAB_HEADERS_TIMEOUT_MS=" + ms(cfg.HeaderTimeout),
		"LAB_REQUEST_TIMEOUT_MS=" + ms(cfg.RequestTimeout),
		"NODEDIVE_JWT_SECRET=" + string(cfg.Secret),
		"NODE_CLUSTER_SCHED_POLICY=" + opts.Policy,
		// Express prints stacks only outside production; the app's own
		// error handler hides them either way, and this is how it would
		// be deployed.
		"NODE_ENV=production",
	}
	if cfg.TTLHook {
		env = append(env, "LAB_TTL_HOOK=1")
	}
	if cfg.RedisURL != "" {
		env = append(env, "REDIS_URL="+cfg.RedisURL)
	}
	if len(cfg.TLSCertPEM) > 0 {
		tmp, err := proc.TempDir("nodedive-secure-tls-")
		if err != nil {
			return err
		}
		l.onStop(func(context.Context) error { return os.RemoveAll(tmp) })
		certFile, keyFile := filepath.Join(tmp, "cert.pem"), filepath.Join(tmp, "key.pem")
		if err := os.WriteFile(certFile, cfg.TLSCertPEM, 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(keyFile, cfg.TLSKeyPEM, 0o600); err != nil {
			return err
		}
		env = append(env, "LAB_TLS_CERT="+certFile, "LAB_TLS_KEY="+keyFile)
	}

	// The run's own context, not ctx: ctx ending asks for a graceful stop
	// first (below); killRun is the last resort, after it.
	killCtx, killRun := context.WithCancel(context.Background())
	cmd := exec.CommandContext(killCtx, node, "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	// The Express app's stderr (error stacks go there) goes to the log;
	// its last part explains a failed start.
	stderr := &proc.Tail{To: opts.Log}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		killRun()
		return err
	}
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		killRun()
		return fmt.Errorf("starting node server.js: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	l.onStop(func(ctx context.Context) error {
		defer killRun()
		return stopNode(ctx, cmd, exited)
	})
	l.Primary = cmd.Process.Pid

	ready := make(chan listening, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		announced := false
		for sc.Scan() {
			var ev listening
			if !announced && json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "listening" {
				announced = true
				ready <- ev
				continue
			}
			fmt.Fprintf(opts.Log, "[node] %s\n", sc.Text())
		}
	}()
	// Stop the run when ctx ends, as the Go cluster does.
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = stopNode(sctx, cmd, exited)
		case <-exited:
		}
	}()

	select {
	case ev := <-ready:
		l.URL = ev.URL
		l.Workers = ev.Workers
		return nil
	case <-exited:
		return fmt.Errorf("the Express app exited before it served:\n%s", strings.TrimSpace(stderr.String()))
	case <-time.After(30 * time.Second):
		return fmt.Errorf("the Express app did not start within 30s:\n%s", strings.TrimSpace(stderr.String()))
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stopNode asks the primary to stop its workers (SIGTERM to the group),
// then kills whatever is left.
func stopNode(ctx context.Context, cmd *exec.Cmd, exited <-chan struct{}) error {
	_ = proc.SignalGroup(cmd, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	// Workers the primary forgot about (or a primary that hung) go too.
	err := proc.KillGroup(cmd)
	if errors.Is(err, os.ErrProcessDone) {
		err = nil
	}
	<-exited
	return err
}
