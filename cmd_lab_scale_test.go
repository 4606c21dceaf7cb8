package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/noderun/nodetest"
	"github.com/nodedive/nodedive/labs/nginx"
	"github.com/nodedive/nodedive/labs/secure/redisrun"
)

// scaleJSON is the part of `lab scale --json` the test reads.
type scaleJSON struct {
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	RPS       float64 `json:"rps"`
	LatencyMS struct {
		P50, P99 float64
	} `json:"latency_ms"`
	Instances []struct {
		ID       int   `json:"id"`
		Requests int64 `json:"requests"`
		Healthy  bool  `json:"healthy"`
	} `json:"instances"`
	Kill *struct {
		MarkedDown bool `json:"marked_down"`
	} `json:"kill"`
	Cache struct {
		Hits, Misses int64
	} `json:"cache"`
	Queue struct {
		Enqueued, Processed int64
	} `json:"queue"`
	PIDs []int `json:"pids"`
}

func TestLabScaleJSON(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", redisrun.InstallHint)
	if _, err := nginx.Find(); err != nil {
		nodetest.RequireTool(t, "nginx", nginx.InstallHint)
	}
	cmd := exec.Command(binary(t), "lab", "scale", "--json", "--duration", "2s", "--workers", "1",
		"--kill-instance", "500ms", "--cache", "redis", "--queue")
	cmd.Env = append(os.Environ(), "NODEDIVE_HOME="+t.TempDir(), "REDIS_URL=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lab scale: %v\n%s", err, stderr.String())
	}
	var rep scaleJSON
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, out)
	}
	if rep.Requests == 0 || rep.RPS == 0 || rep.LatencyMS.P50 == 0 || len(rep.Instances) != 3 {
		t.Errorf("main phase: %+v", rep)
	}
	if rep.Errors > rep.Requests/100 {
		t.Errorf("%d of %d requests failed with an instance killed", rep.Errors, rep.Requests)
	}
	for _, in := range rep.Instances {
		if in.Requests == 0 {
			t.Errorf("instance %d served nothing", in.ID)
		}
	}
	if rep.Kill == nil || !rep.Kill.MarkedDown {
		t.Errorf("kill: %+v", rep.Kill)
	}
	if rep.Cache.Hits <= rep.Cache.Misses {
		t.Errorf("cache: %+v", rep.Cache)
	}
	if rep.Queue.Enqueued == 0 || rep.Queue.Processed != rep.Queue.Enqueued {
		t.Errorf("queue: %+v", rep.Queue)
	}
	if len(rep.PIDs) < 8 {
		t.Errorf("pids: %v", rep.PIDs)
	}
	time.Sleep(100 * time.Millisecond)
	for _, p := range rep.PIDs {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat"); err == nil && !strings.Contains(string(b), ") Z ") {
			t.Errorf("process %d still alive after the lab exited: %s", p, b)
		}
	}
}

func TestLabScaleBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--lb", "roundrobin"}, `did you mean "round-robin"`},
		{[]string{"--cache", "loacl"}, `did you mean "local"`},
		{[]string{"--runtime", "deno"}, "runtime"},
		{[]string{"--instances", "0"}, "--instances must be between 1"},
		{[]string{"--duration", "soon"}, "is not a duration"},
		{[]string{"--kill-instance", "10s"}, "must fall inside"},
	} {
		out, err := exec.Command(binary(t), append([]string{"lab", "scale"}, c.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: err %v, output %q, want %q", c.args, err, out, c.want)
		}
	}
}
