// Package nginx runs a real nginx as a lab's load balancer: a configuration
// generated into a temp directory, bound to 127.0.0.1, with its own pid file,
// logs and temp paths, kept in the foreground (daemon off) so it stays our
// child and dies with nodedive. Balancing changes are applied with a real
// reload (SIGHUP), and what nginx did with each request is read back from its
// access log (which upstream served it, which worker, cache header) and its
// error log (upstreams it marked down).
package nginx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/nodedive/nodedive/internal/suggest"
	"github.com/nodedive/nodedive/labs/loopback"
)

// InstallHint says how to get nginx.
const InstallHint = "install nginx (apt install nginx, brew install nginx); the lab runs its own copy on 127.0.0.1 " +
	"and does not touch the system's nginx service"

// ErrNoNginx is returned (wrapped) when no nginx binary was found.
var ErrNoNginx = errors.New("nginx was not found on PATH or in /usr/sbin")

// Find returns the nginx binary: on PATH, or where distributions put it
// outside an ordinary user's PATH (/usr/sbin).
func Find() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx", "/opt/homebrew/bin/nginx"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNoNginx, InstallHint)
}

// Balancing is how nginx picks an upstream for each request.
type Balancing string

const (
	// RoundRobin (nginx's default): each request goes to the next server.
	RoundRobin Balancing = "round-robin"
	// LeastConn sends each request to the server with the fewest active connections.
	LeastConn Balancing = "least-conn"
	// IPHash picks the server by a hash of the client address (the first
	// three octets of IPv4), so a client sticks to one ("sticky sessions").
	IPHash Balancing = "ip-hash"
)

// Balancings lists the valid balancing methods.
func Balancings() []Balancing { return []Balancing{RoundRobin, LeastConn, IPHash} }

// ParseBalancing checks a balancing name; an unknown one gets a suggestion.
func ParseBalancing(s string) (Balancing, error) {
	var names []string
	for _, b := range Balancings() {
		if string(b) == s {
			return b, nil
		}
		names = append(names, string(b))
	}
	return "", &suggest.NotFoundError{Kind: "balancing method", Name: s, Suggestions: suggest.Nearest(s, names, 1), Known: names}
}

// directive is the upstream-block line that selects the method.
func (b Balancing) directive() string {
	switch b {
	case LeastConn:
		return "least_conn;"
	case IPHash:
		return "ip_hash;"
	}
	return "# round-robin: nginx's default, no directive"
}

// Config describes the balancer.
type Config struct {
	// Port nginx listens on, on 127.0.0.1; 0 picks a free one.
	Port int
	// Upstreams are the servers behind it, host:port each.
	Upstreams []string
	// Balancing defaults to RoundRobin.
	Balancing Balancing
	// MaxFails and FailTimeout are the passive health check: after
	// MaxFails failed attempts within FailTimeout, a server is left out
	// for FailTimeout. Defaults 3 and 10s, as in the lesson.
	MaxFails    int
	FailTimeout time.Duration
	// Workers is worker_processes; default 2.
	Workers int
	// LogHeaders are upstream response headers to copy into each access
	// log entry (e.g. "X-Instance"), read back in Entry.Headers.
	LogHeaders []string
	// ProxyTimeout bounds connecting to and reading from an upstream;
	// default 5s.
	ProxyTimeout time.Duration
	// Binary is the nginx executable; empty uses Find.
	Binary string
	// Supervisor, when set, is a binary that serves SupervisorRole
	// (nodedive itself): nginx then runs under it, so that its workers
	// die too when nodedive is killed. Without it, only the master has a
	// parent-death signal.
	Supervisor string
}

func (c Config) withDefaults() Config {
	if c.Balancing == "" {
		c.Balancing = RoundRobin
	}
	if c.MaxFails == 0 {
		c.MaxFails = 3
	}
	if c.FailTimeout == 0 {
		c.FailTimeout = 10 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.ProxyTimeout == 0 {
		c.ProxyTimeout = 5 * time.Second
	}
	return c
}

// Validate checks c without starting anything.
func (c Config) Validate() error {
	if len(c.Upstreams) == 0 {
		return errors.New("nginx needs at least one upstream server")
	}
	if err := loopback.ValidPort(c.Port); err != nil {
		return err
	}
	if c.Balancing != "" {
		if _, err := ParseBalancing(string(c.Balancing)); err != nil {
			return err
		}
	}
	if c.MaxFails < 0 || c.FailTimeout < 0 || c.Workers < 0 || c.Workers > 16 {
		return errors.New("max fails, fail timeout and workers (at most 16) must not be negative")
	}
	for _, u := range c.Upstreams {
		if strings.ContainsAny(u, " ;{}\n") || !strings.Contains(u, ":") {
			return fmt.Errorf("upstream %q is not a host:port", u)
		}
	}
	for _, h := range c.LogHeaders {
		if headerVar(h) == "" {
			return fmt.Errorf("header %q cannot be logged", h)
		}
	}
	return nil
}

// headerVar turns "X-Instance" into nginx's variable suffix "x_instance".
func headerVar(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '_':
			b.WriteByte('_')
		default:
			return ""
		}
	}
	return b.String()
}

// render writes nginx.conf for dir (the prefix holding logs and temp paths).
// Every path is absolute and inside dir, so nothing of the system's nginx
// (its /etc config, /var/log, /run pid file) is read or written.
func render(c Config, dir string, port int, asRoot bool) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Generated by nodedive for the scaling lab (lesson q13). Safe to read, not to edit:")
	p("# the lab rewrites it and reloads nginx when you switch the balancing method.")
	p("daemon off;            # stay in the foreground: nginx remains nodedive's child")
	p("master_process on;     # a real master with worker processes, reloadable with SIGHUP")
	p("worker_processes %d;", c.Workers)
	if asRoot {
		// As root the master would hand workers to "nobody", which
		// cannot use our private temp directory; the lab only binds
		// loopback, so the workers keep our user.
		p("user root;")
	}
	p("pid %s/nginx.pid;", dir)
	p("error_log %s/error.log warn;", dir)
	p("events { worker_connections 1024; }")
	p("http {")
	p("    access_log off;")
	p("    client_body_temp_path %s/tmp/body;", dir)
	p("    proxy_temp_path %s/tmp/proxy;", dir)
	p("    fastcgi_temp_path %s/tmp/fastcgi;", dir)
	p("    uwsgi_temp_path %s/tmp/uwsgi;", dir)
	p("    scgi_temp_path %s/tmp/scgi;", dir)
	// One JSON object per request: what the lab counts per instance.
	fields := []string{
		`"msec":"$msec"`, `"status":"$status"`, `"request_time":"$request_time"`,
		`"method":"$request_method"`, `"uri":"$uri"`,
		`"upstream_addr":"$upstream_addr"`, `"upstream_status":"$upstream_status"`,
		`"upstream_response_time":"$upstream_response_time"`,
	}
	for _, h := range c.LogHeaders {
		fields = append(fields, fmt.Sprintf(`"h_%s":"$upstream_http_%s"`, headerVar(h), headerVar(h)))
	}
	p("    log_format lab escape=json '{%s}';", strings.Join(fields, ","))
	p("")
	p("    upstream instances {")
	p("        %s", c.Balancing.directive())
	p("        zone instances 64k;    # health state shared by all nginx workers")
	for _, u := range c.Upstreams {
		p("        server %s max_fails=%d fail_timeout=%ds;", u, c.MaxFails, max(1, int(c.FailTimeout.Round(time.Second)/time.Second)))
	}
	p("        keepalive 32;          # reuse connections to the instances")
	p("    }")
	p("")
	p("    server {")
	p("        listen 127.0.0.1:%d;", port)
	p("        access_log %s/access.log lab;", dir)
	p("        location / {")
	p("            proxy_pass http://instances;")
	p("            proxy_http_version 1.1;")
	p(`            proxy_set_header Connection "";`)
	p("            proxy_set_header Host $host;")
	p("            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
	p("            proxy_connect_timeout %dms;", c.ProxyTimeout.Milliseconds())
	p("            proxy_read_timeout %dms;", c.ProxyTimeout.Milliseconds())
	p("            proxy_next_upstream error timeout;  # retry elsewhere (idempotent requests only)")
	p("            add_header X-Upstream $upstream_addr always;")
	p("        }")
	p("    }")
	p("}")
	return b.String()
}
