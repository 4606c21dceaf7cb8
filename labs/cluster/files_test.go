package cluster

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// test-file serves the contents of the file the primary handed it as
// "note", to show which file a worker got.
func init() {
	RegisterApp("test-file", func(w *Worker, _ json.RawMessage) (*App, error) {
		f := w.File("note")
		if f == nil {
			return nil, errors.New("no file named note was handed over")
		}
		return &App{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
			b := make([]byte, 64)
			n, err := f.ReadAt(b, 0)
			if err != nil && !errors.Is(err, io.EOF) {
				http.Error(rw, err.Error(), http.StatusInternalServerError)
				return
			}
			rw.Header().Set("X-Pid", strconv.Itoa(w.PID()))
			_, _ = rw.Write(b[:n])
		})}, nil
	})
}

// Every worker gets the primary's file, and so does the one that replaces a
// killed worker, under both policies (the shared listener takes a
// descriptor of its own under none).
func TestWorkersInheritFilesAcrossRespawns(t *testing.T) {
	for _, policy := range Policies() {
		t.Run(string(policy), func(t *testing.T) {
			f, err := os.CreateTemp(t.TempDir(), "note")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString("one file for all workers"); err != nil {
				t.Fatal(err)
			}
			c := startCluster(t, Config{Workers: 2, Policy: policy, App: "test-file", Files: map[string]*os.File{"note": f}})
			ev := watch(c)
			get := func() (body string, pid int) {
				t.Helper()
				resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}).Get(c.URL())
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				pid, _ = strconv.Atoi(resp.Header.Get("X-Pid"))
				return string(b), pid
			}
			if body, _ := get(); body != "one file for all workers" {
				t.Fatalf("a worker read %q", body)
			}
			victim := c.Snapshot().Workers[0]
			if err := c.KillWorker(victim.ID); err != nil {
				t.Fatal(err)
			}
			re := ev.waitFor(t, 10*time.Second, func(e Event) bool { return e.Kind == EventRespawned })
			ev.waitFor(t, 10*time.Second, func(e Event) bool { return e.Kind == EventListening && e.WorkerID == re.WorkerID })
			for range 50 {
				body, pid := get()
				if body != "one file for all workers" {
					t.Fatalf("worker %d read %q", pid, body)
				}
				if pid == re.PID {
					return
				}
			}
			t.Errorf("the replacement (pid %d) never answered", re.PID)
		})
	}
}

func TestBadWorkerFiles(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Workers: 1, Runtime: RuntimeNode, Files: map[string]*os.File{"x": f}}, "Go-runtime feature"},
		{Config{Workers: 1, Files: map[string]*os.File{"a=b": f}}, `worker file name "a=b"`},
		{Config{Workers: 1, Files: map[string]*os.File{"x": nil}}, "is nil"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want it to say %q", tc.cfg.Files, err, tc.want)
		}
	}
	if _, err := inheritedFiles("note=x"); err == nil {
		t.Error("a malformed descriptor list was accepted")
	}
}
