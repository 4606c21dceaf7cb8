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

// TestLabScaleJSON: --json prints one object with what the text report
// shows, and nothing the lab started outlives it. (The phases themselves
// are tested next to the lab, in labs/scale.)
func TestLabScaleJSON(t *testing.T) {
	nodetest.RequireTool(t, "redis-server", redisrun.InstallHint)
	if _, err := nginx.Find(); err != nil {
		nodetest.RequireTool(t, "nginx", nginx.InstallHint)
	}
	cmd := exec.Command(binary(t), "lab", "scale", "--json", "--duration", "1s", "--instances", "2", "--workers", "1", "--cache", "local")
	cmd.Env = append(os.Environ(), "NODEDIVE_HOME="+t.TempDir(), "REDIS_URL=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lab scale: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Runtime            string  `json:"runtime"`
		WorkersPerInstance int     `json:"workers_per_instance"`
		Requests           int64   `json:"requests"`
		RPS                float64 `json:"rps"`
		Instances          []struct {
			Requests int64 `json:"requests"`
		} `json:"instances"`
		Sessions struct {
			Memory, Redis *struct{ OK int }
		} `json:"sessions"`
		Cache struct {
			Mode  string               `json:"mode"`
			Stale *struct{ Reads int } `json:"stale"`
		} `json:"cache"`
		Queue struct {
			Enabled bool `json:"enabled"`
		} `json:"queue"`
		PIDs []int `json:"pids"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, out)
	}
	if rep.Runtime != "go" || rep.WorkersPerInstance != 1 || rep.Requests == 0 || rep.RPS == 0 || len(rep.Instances) != 2 ||
		rep.Sessions.Memory == nil || rep.Sessions.Redis == nil || rep.Cache.Mode != "local" || rep.Cache.Stale == nil || rep.Queue.Enabled {
		t.Errorf("report: %s", out)
	}
	if !strings.Contains(stderr.String(), "· main load: GET /product/1?cache=local") {
		t.Errorf("progress on stderr: %s", stderr.String())
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
