package nginx

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Entry is one request as nginx logged it.
type Entry struct {
	Time   time.Time
	Status int
	Method string
	URI    string
	// RequestTime is nginx's whole time for the request.
	RequestTime time.Duration
	// Tries are the upstreams nginx tried, in order: more than one when a
	// server failed and nginx passed the request on (proxy_next_upstream).
	Tries []Try
	// Headers holds the Config.LogHeaders of the last upstream's
	// response, by their canonical name; missing ones are absent.
	Headers map[string]string
}

// Try is one attempt at an upstream.
type Try struct {
	// Addr is host:port, or the upstream group's name when no server was
	// available at all ("no live upstreams").
	Addr string
	// Status is the upstream's HTTP status, 0 when there was none
	// (connection refused, reset, timeout: nginx logs "-" or 502).
	Status int
}

// Served is the upstream that produced the response (the last try), or "".
func (e Entry) Served() string {
	if len(e.Tries) == 0 {
		return ""
	}
	return e.Tries[len(e.Tries)-1].Addr
}

// ErrorEntry is one line of nginx's error log.
type ErrorEntry struct {
	Time    time.Time
	Level   string // warn, error, crit, alert, emerg
	Message string // the part after the connection number
	// Upstream is the host:port of the upstream the line is about, if any.
	Upstream string
	// Disabled is set when nginx's passive health check just left this
	// upstream out ("upstream server temporarily disabled").
	Disabled bool
	// NoLive is set when every upstream was out ("no live upstreams").
	NoLive bool
	Line   string
}

type accessJSON struct {
	Msec                 string `json:"msec"`
	Status               string `json:"status"`
	RequestTime          string `json:"request_time"`
	Method               string `json:"method"`
	URI                  string `json:"uri"`
	UpstreamAddr         string `json:"upstream_addr"`
	UpstreamStatus       string `json:"upstream_status"`
	UpstreamResponseTime string `json:"upstream_response_time"`
}

// ParseAccess reads one line of the lab's JSON access log format.
func ParseAccess(line []byte) (Entry, bool) {
	var raw accessJSON
	if json.Unmarshal(line, &raw) != nil {
		return Entry{}, false
	}
	var e Entry
	if f, err := strconv.ParseFloat(raw.Msec, 64); err == nil {
		e.Time = time.UnixMilli(int64(f * 1000))
	}
	e.Status, _ = strconv.Atoi(raw.Status)
	e.Method, e.URI = raw.Method, raw.URI
	if f, err := strconv.ParseFloat(raw.RequestTime, 64); err == nil {
		e.RequestTime = time.Duration(f * float64(time.Second))
	}
	addrs := splitUpstreams(raw.UpstreamAddr)
	stats := splitUpstreams(raw.UpstreamStatus)
	for i, a := range addrs {
		t := Try{Addr: a}
		if i < len(stats) {
			t.Status, _ = strconv.Atoi(stats[i])
		}
		e.Tries = append(e.Tries, t)
	}
	var all map[string]string
	if json.Unmarshal(line, &all) == nil {
		for k, v := range all {
			if name, ok := strings.CutPrefix(k, "h_"); ok && v != "" {
				if e.Headers == nil {
					e.Headers = map[string]string{}
				}
				e.Headers[canonical(name)] = v
			}
		}
	}
	return e, true
}

// splitUpstreams splits nginx's "a, b : c" lists (commas between tries,
// colons between internal redirects) into single items.
func splitUpstreams(s string) []string {
	if s == "" || s == "-" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, " : ", ", "), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// canonical turns "x_instance" back into "X-Instance".
func canonical(v string) string {
	parts := strings.Split(v, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

var (
	errorLine    = regexp.MustCompile(`^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$`)
	upstreamAttr = regexp.MustCompile(`upstream: "[a-z]+://([^/"]+)`)
)

// ParseError reads one line of nginx's error log.
func ParseError(line string) (ErrorEntry, bool) {
	m := errorLine.FindStringSubmatch(line)
	if m == nil {
		return ErrorEntry{}, false
	}
	e := ErrorEntry{Level: m[2], Message: m[3], Line: line}
	e.Time, _ = time.ParseInLocation("2006/01/02 15:04:05", m[1], time.Local)
	if u := upstreamAttr.FindStringSubmatch(line); u != nil {
		e.Upstream = u[1]
	}
	e.Disabled = strings.Contains(e.Message, "upstream server temporarily disabled")
	e.NoLive = strings.Contains(e.Message, "no live upstreams")
	return e, true
}

// tailer follows the two log files, which nginx opens with O_APPEND and
// writes one line at a time, and hands complete lines to the callbacks.
type tailer struct {
	access, errs string
	opts         Options
	quit         chan struct{}
	finished     chan struct{}
	once         sync.Once
}

func newTailer(access, errs string, opts Options) *tailer {
	return &tailer{access: access, errs: errs, opts: opts, quit: make(chan struct{}), finished: make(chan struct{})}
}

func (t *tailer) run() {
	defer close(t.finished)
	a := &follow{path: t.access}
	e := &follow{path: t.errs}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		t.drain(a, e)
		select {
		case <-t.quit:
			t.drain(a, e) // the last lines written before the stop
			a.close()
			e.close()
			return
		case <-tick.C:
		}
	}
}

func (t *tailer) drain(a, e *follow) {
	for _, line := range a.lines() {
		if ent, ok := ParseAccess(line); ok && t.opts.OnAccess != nil {
			t.opts.OnAccess(ent)
		}
	}
	for _, line := range e.lines() {
		if ent, ok := ParseError(string(line)); ok && t.opts.OnError != nil {
			t.opts.OnError(ent)
		}
	}
}

func (t *tailer) stop() {
	t.once.Do(func() { close(t.quit) })
	<-t.finished
}

// follow reads what was appended to a file since the last call.
type follow struct {
	path string
	f    *os.File
	rest []byte
}

func (f *follow) lines() [][]byte {
	if f.f == nil {
		file, err := os.Open(f.path)
		if err != nil {
			return nil // not created yet
		}
		f.f = file
	}
	buf := make([]byte, 64<<10)
	var out [][]byte
	for {
		n, err := f.f.Read(buf)
		if n > 0 {
			f.rest = append(f.rest, buf[:n]...)
		}
		if err == io.EOF || n == 0 || err != nil {
			break
		}
	}
	for {
		i := bytes.IndexByte(f.rest, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSpace(f.rest[:i])
		if len(line) > 0 {
			out = append(out, append([]byte(nil), line...))
		}
		f.rest = f.rest[i+1:]
	}
	return out
}

func (f *follow) close() {
	if f.f != nil {
		f.f.Close()
	}
}
