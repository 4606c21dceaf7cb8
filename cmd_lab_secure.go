package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/cluster"
	"github.com/nodedive/nodedive/labs/probe"
	"github.com/nodedive/nodedive/labs/secure"
	"github.com/nodedive/nodedive/labs/secure/attack"
	"github.com/nodedive/nodedive/labs/secure/launch"
)

// probeSelf is --probe's value when given without a URL: probe the lab's app.
const probeSelf = "self"

type secureFlags struct {
	runtime, policy, store string
	node                   string
	workers, port          int
	tls, serve, asJSON     bool
	probeURL               string
	only                   []string
	limit                  int
	window, headerTimeout  time.Duration
	weak                   []string
	yesNonLocal, insecure  bool
	email, password        string
	slowAllowance          time.Duration
}

func newLabSecureCmd() *cobra.Command {
	var f secureFlags
	cmd := &cobra.Command{
		Use:   "secure [URL]",
		Short: "The hardened app of lesson q15 in a cluster, attacked by probes (Go or real Express)",
		Long: "Starts the security lesson's hardened app as a real cluster on 127.0.0.1 (Go workers, or the\n" +
			"Express app with helmet, express-rate-limit and cors under Node's cluster module with --runtime node,\n" +
			"on your node or --node PATH)\n" +
			"and attacks it: missing headers, X-Powered-By, CORS from a foreign origin, missing fields, malformed\n" +
			"and oversized JSON, a stack trace leak, forged and expired tokens, a slowloris client, a password\n" +
			"brute force, and the rate limit across workers. Each probe says what it expected, what it saw and\n" +
			"which row of the lesson's practices table it checks.\n\n" +
			"Where the rate-limit counters live is the lesson of --store: memory counts in each worker (a client\n" +
			"gets workers × limit), primary in the cluster primary over IPC, redis in a real Redis (REDIS_URL,\n" +
			"or a redis-server from PATH started for the run), shared (Go only) in memory that every worker maps\n" +
			"and updates in place, as nginx's limit_req zone does; the last three are exact.\n\n" +
			"With no mode flag the lab starts, runs every probe, and stops. --serve keeps it running for your\n" +
			"own requests (demo account: " + secure.DemoEmail + " / " + secure.DemoPassword + "). --probe URL\n" +
			"attacks any server instead, such as your own. The JWT secret comes from " + secure.SecretEnv + ".",
		Example: "  nodedive lab secure\n" +
			"  nodedive lab secure --store memory --workers 4   # watch the rate limit leak\n" +
			"  nodedive lab secure --runtime node --store redis\n" +
			"  nodedive lab secure --weak headers,ratelimit --only headers,brute-force\n" +
			"  nodedive lab secure --serve --port 3000 --tls\n" +
			"  nodedive lab secure --probe http://127.0.0.1:3000 --json",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if !cmd.Flags().Changed("probe") {
					return fmt.Errorf("unexpected argument %q: to probe a server, use --probe %s", args[0], args[0])
				}
				f.probeURL = args[0]
			}
			return runLabSecure(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.runtime, "runtime", launch.RuntimeGo, "go (the Go app) or node (the Express app, installed with npm ci on first use)")
	addNodeFlag(fl, &f.node)
	fl.IntVar(&f.workers, "workers", 2, "worker processes")
	fl.StringVar(&f.policy, "sched", "rr", "scheduling policy: rr (the primary hands out connections) or none (workers accept)")
	// The hardened app defaults to its cheapest exact store (launch picks it
	// per runtime); memory (express-rate-limit's default) is the lesson's
	// counter-example, one flag away.
	fl.StringVar(&f.store, "store", "", "rate-limit store: shared (Go's default, exact, in memory every worker maps), "+
		"primary (Node's default, exact, over IPC), redis (exact, in Redis), or memory (per worker)")
	fl.BoolVar(&f.tls, "tls", false, "serve HTTPS with a self-signed certificate made at start")
	fl.BoolVar(&f.serve, "serve", false, "run the app until interrupted and print its URL")
	fl.IntVar(&f.port, "port", 0, "port on 127.0.0.1 (0: any free port)")
	fl.StringVar(&f.probeURL, "probe", "", "probe the lab's app, or the server at URL (--probe URL)")
	fl.Lookup("probe").NoOptDefVal = probeSelf
	fl.StringSliceVar(&f.only, "only", nil, "run only these probes (comma-separated): "+strings.Join(probe.Names(), ", "))
	fl.BoolVar(&f.asJSON, "json", false, "print the results as JSON")
	fl.IntVar(&f.limit, "limit", secure.DefaultLimit, "rate limit: requests per client per window")
	fl.DurationVar(&f.window, "window", secure.DefaultWindow, "rate-limit window")
	fl.DurationVar(&f.headerTimeout, "header-timeout", secure.DefaultHeaderTimeout, "how long the app waits for a request's headers")
	fl.StringSliceVar(&f.weak, "weak", nil, "remove defences from the Go app to watch probes fail: "+strings.Join(weaknessNames(), ", ")+", all")
	fl.BoolVar(&f.yesNonLocal, "yes-non-local", false, "allow the burst probes against a server that is not on this machine")
	fl.BoolVar(&f.insecure, "insecure", false, "with --probe URL: accept any TLS certificate (a self-signed dev server)")
	fl.StringVar(&f.email, "email", "", "with --probe URL: account for the token probes (default the lab's demo account)")
	fl.StringVar(&f.password, "password", "", "with --probe URL: that account's password")
	fl.DurationVar(&f.slowAllowance, "slow-allowance", 10*time.Second, "with --probe URL: how long the server may keep a slow-header client")
	return cmd
}

var weaknesses = map[string]func(*secure.Weaknesses){
	"headers":   func(w *secure.Weaknesses) { w.NoHeaders = true },
	"ratelimit": func(w *secure.Weaknesses) { w.NoRateLimit = true },
	"cors":      func(w *secure.Weaknesses) { w.OpenCORS = true },
	"bodylimit": func(w *secure.Weaknesses) { w.NoBodyLimit = true },
	"timeouts":  func(w *secure.Weaknesses) { w.NoTimeouts = true },
	"errors":    func(w *secure.Weaknesses) { w.LeakErrors = true },
}

func weaknessNames() []string {
	return []string{"headers", "ratelimit", "cors", "bodylimit", "timeouts", "errors"}
}

func parseWeak(names []string) (secure.Weaknesses, error) {
	var w secure.Weaknesses
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "all" {
			return secure.AllWeak, nil
		}
		set, ok := weaknesses[n]
		if !ok {
			valid := append(weaknessNames(), "all")
			return w, &suggest.NotFoundError{Kind: "weakness", Name: n, Suggestions: suggest.Nearest(n, valid, 1), Known: valid}
		}
		set(&w)
	}
	return w, nil
}

func runLabSecure(cmd *cobra.Command, f secureFlags) error {
	ctx := cmd.Context()
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f.serve && f.probeURL != "" {
		return errors.New("--serve runs the app for your own requests and --probe attacks it: pick one")
	}
	cfg := attack.RunConfig{Only: f.only}
	if f.probeURL != "" && f.probeURL != probeSelf {
		if f.node != "" {
			return fmt.Errorf("--node %s goes with the lab's --runtime node: --probe URL attacks a server that is already running", f.node)
		}
		cfg.URL, cfg.Insecure, cfg.Email, cfg.Password = f.probeURL, f.insecure, f.email, f.password
		cfg.SlowAllowance, cfg.AllowNonLocal = f.slowAllowance, f.yesNonLocal
		return runSecureAttack(ctx, out, errOut, cfg, f.asJSON)
	}
	if f.insecure || f.email != "" || f.password != "" || cmd.Flags().Changed("slow-allowance") {
		return errors.New("--insecure, --email, --password and --slow-allowance go with --probe URL")
	}
	if _, err := probe.Lookup(f.only...); err != nil {
		return err
	}
	opts, err := f.launchOptions(ctx)
	if err != nil {
		return err
	}
	if opts.Runtime == launch.RuntimeNode {
		warnAboutNode(ctx, errOut, opts.Node)
	}
	if f.serve {
		if f.asJSON {
			return errors.New("--json is the report of a probe run; --serve only prints the app's URL and waits")
		}
		// Serve logs the workers' stderr (the /boom stacks) for the
		// learner to see; a probe run keeps them out of its report.
		opts.Log = &lockedWriter{w: errOut}
		return serveSecureLab(ctx, out, errOut, opts)
	}
	cfg.Lab = opts
	return runSecureAttack(ctx, out, errOut, cfg, f.asJSON)
}

// launchOptions checks the flags of the lab's app and turns them into its
// options.
func (f secureFlags) launchOptions(ctx context.Context) (launch.Options, error) {
	weak, err := parseWeak(f.weak)
	if err != nil {
		return launch.Options{}, err
	}
	opts := launch.Options{
		Runtime:       f.runtime,
		Workers:       f.workers,
		Policy:        f.policy,
		Store:         f.store,
		RedisURL:      os.Getenv("REDIS_URL"),
		TLS:           f.tls,
		Port:          f.port,
		Limit:         f.limit,
		Window:        f.window,
		HeaderTimeout: f.headerTimeout,
		Weak:          weak,
		Secret:        os.Getenv(secure.SecretEnv),
		CacheDir:      dirs().Cache,
	}
	if f.limit < 1 {
		return opts, fmt.Errorf("--limit %d: the limit must be at least 1", f.limit)
	}
	if f.workers < 1 {
		// launch.Options reads 0 as "the default"; on the command line
		// it is a mistake.
		return opts, fmt.Errorf("--workers must be between 1 and %d, got %d", cluster.MaxWorkers, f.workers)
	}
	if err := opts.Validate(); err != nil {
		return opts, err
	}
	err = planNode(ctx, f.runtime == launch.RuntimeNode, f.node, &opts.Node)
	return opts, err
}

// serveSecureLab runs the app until interrupted.
func serveSecureLab(ctx context.Context, out, errOut io.Writer, opts launch.Options) error {
	spin := newSpinner(errOut)
	opts.Progress = spin.say
	lab, err := launch.Start(ctx, opts)
	spin.stop()
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = lab.Stop(sctx)
	}()
	for _, w := range lab.Warnings {
		fmt.Fprintln(errOut, "warning: "+w)
	}
	fmt.Fprintf(out, "%s\nserving %s\n", lab.Describe(), lab.URL)
	fmt.Fprintf(out, "primary pid %d, worker pids %v\n", lab.Primary, lab.Workers)
	fmt.Fprintf(out, "demo account: %s / %s (POST /login with JSON)\n", secure.DemoEmail, secure.DemoPassword)
	if lab.RedisURL != "" {
		fmt.Fprintf(out, "rate-limit counters in %s\n", lab.RedisURL)
	}
	if len(lab.CertPEM) > 0 {
		fmt.Fprintln(out, "TLS: the certificate is self-signed, made for this run (curl -k to accept it)")
	}
	fmt.Fprintln(out, "press Ctrl-C to stop")
	<-ctx.Done()
	fmt.Fprintln(errOut, "stopping")
	return nil
}

// runSecureAttack runs the probes with progress on stderr and prints the
// report; failed probes make the exit status 1.
func runSecureAttack(ctx context.Context, out, errOut io.Writer, cfg attack.RunConfig, asJSON bool) error {
	spin := newSpinner(errOut)
	cfg.Progress = spin.say
	rep, err := attack.Run(ctx, cfg)
	spin.stop()
	if rep == nil {
		return err
	}
	if asJSON {
		if jerr := printLabJSON(out, rep); jerr != nil {
			return jerr
		}
	} else {
		printSecureReport(out, rep)
	}
	if err != nil {
		return err
	}
	if ferr := rep.Err(); ferr != nil {
		return &exitError{code: 1, err: ferr}
	}
	return nil
}

func printSecureReport(out io.Writer, rep *attack.Report) {
	for _, w := range rep.Warnings {
		fmt.Fprintln(out, "warning: "+w)
	}
	if rep.App != "" {
		fmt.Fprintln(out, rep.App)
	}
	if rep.Node != nil {
		fmt.Fprintf(out, "Express on %s\n", rep.Node)
	}
	fmt.Fprintf(out, "probing %s\n\n", rep.Target)
	for _, r := range rep.Probes {
		fmt.Fprintf(out, "%s  %-18s [%s] %s\n", attack.Verdict(r), r.Name, r.Lesson, r.Observed)
		if !r.Pass && !r.Skipped {
			fmt.Fprintf(out, "      %-18s expected: %s\n", "", r.Expected)
		}
	}
	fmt.Fprintf(out, "\n%d passed, %d failed", rep.Passed, rep.Failed)
	if rep.Skipped > 0 {
		fmt.Fprintf(out, ", %d skipped", rep.Skipped)
	}
	fmt.Fprintf(out, " (%s)\n", rep.Duration)
	for _, h := range rep.Hints {
		fmt.Fprintln(out, "hint: "+h)
	}
}

// lockedWriter passes the lab processes' output through, one write at a
// time (the cluster writes from a goroutine per worker).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *lockedWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Write(b)
}

// spinner shows slow steps (npm ci, redis start) with an animation on a
// terminal, and as plain lines otherwise.
type spinner struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	msg   string
	since time.Time
	done  chan struct{}
	wg    sync.WaitGroup
}

func newSpinner(w io.Writer) *spinner {
	s := &spinner{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) && os.Getenv("TERM") != "dumb" {
		s.tty = true
	}
	return s
}

var spinFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (s *spinner) say(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tty {
		fmt.Fprintln(s.w, msg)
		return
	}
	s.msg = msg
	if s.done != nil {
		return
	}
	s.since = time.Now()
	s.done = make(chan struct{})
	s.wg.Add(1)
	go s.spin(s.done)
}

func (s *spinner) spin(done chan struct{}) {
	defer s.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		s.mu.Lock()
		fmt.Fprintf(s.w, "\r\x1b[K%s %s (%ds)", spinFrames[i%len(spinFrames)], s.msg, int(time.Since(s.since).Seconds()))
		s.mu.Unlock()
		select {
		case <-done:
			return
		case <-tick.C:
		}
	}
}

func (s *spinner) stop() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return
	}
	close(done)
	s.wg.Wait()
	fmt.Fprint(s.w, "\r\x1b[K")
}
