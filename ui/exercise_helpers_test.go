package ui

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/labs/exercise"
	"github.com/nodedive/nodedive/labs/exercise/events"
	"github.com/nodedive/nodedive/labs/exercise/modules"
	"github.com/nodedive/nodedive/labs/exercise/sandbox"
	"github.com/nodedive/nodedive/lessons/progress"
)

// testExercises is a catalog of the modules and events exercises only, so
// that the screens' goldens stay the same when other topics get
// exercises.
func testExercises(t testing.TB) *exercise.Catalog {
	t.Helper()
	src := content.Exercises()
	all, err := exercise.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]bool{}
	for _, e := range all {
		if e.Topic == "modules" || e.Topic == "events" {
			keep[e.ID] = true
		}
	}
	fsys := fstest.MapFS{}
	err = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep[strings.SplitN(p, "/", 2)[0]] {
			return err
		}
		data, err := fs.ReadFile(src, p)
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := exercise.NewCatalog(fsys, modules.Verifiers(), events.Verifiers())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// liveDriver runs the app's model as a program does, with every Cmd in
// its own goroutine, and lets a test wait for a state: for screens whose
// results stream in (a verification, a watcher), where the synchronous
// driver would wait for Cmds that only end when the screen closes.
type liveDriver struct {
	t    *testing.T
	m    *Model
	msgs chan tea.Msg
	// after, when set, is called after each message is applied.
	after func(tea.Msg)
	quit  bool
}

func newLiveDriver(t *testing.T, store *progress.Store, w, h int) *liveDriver {
	t.Helper()
	d := &liveDriver{t: t, m: newTestApp(t, true, store), msgs: make(chan tea.Msg, 1024)}
	d.m.c.noTimers = true
	// An old node's notice would take the first q; that notice is
	// TestOldNodeNoticeOncePerSession's.
	d.m.c.nodeJudged = true
	// Saves still queued when the test ends are written before its
	// directories are removed.
	t.Cleanup(func() {
		if sv := d.m.c.saver; sv != nil {
			sv.wait(5 * time.Second)
		}
	})
	d.do(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// do runs cmd in the background; its message is applied by until.
func (d *liveDriver) do(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.msgs <- cmd() }()
}

func (d *liveDriver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	d.do(cmd)
}

func (d *liveDriver) keys(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// until applies messages as they come until cond holds, at most limit.
// cond is also polled, for conditions outside the model (/proc).
func (d *liveDriver) until(what string, limit time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.After(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.apply(msg)
		case <-tick.C:
		case <-deadline:
			d.t.Fatalf("waited %v for %s", limit, what)
		}
	}
}

func (d *liveDriver) apply(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case quitMsg:
		d.quit = true
	case tea.BatchMsg:
		for _, c := range msg {
			d.do(c)
		}
	default:
		d.send(msg)
		if d.after != nil {
			d.after(msg)
		}
	}
}

// open pushes the exercise screen of id and lays it out.
func openExercise(t testing.TB, c *common, id string) *exerciseScreen {
	t.Helper()
	e, err := c.exercises.Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return newExerciseScreen(c, e)
}

// writeFiles writes files into dir.
func writeFiles(t testing.TB, dir string, files []exercise.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// watcherGoroutines lists the goroutines of package watch and of fsnotify
// still running.
func watcherGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "labs/exercise/watch.") || strings.Contains(g, "fsnotify") {
			left = append(left, g)
		}
	}
	return left
}

// requireNothingLeft fails if a watcher goroutine, a sandbox process or any
// child process of the test is still there, after a short grace for
// goroutines that are ending.
func requireNothingLeft(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		g, alive, kids := watcherGoroutines(), sandbox.Alive(), childProcesses(os.Getpid())
		if len(g)+len(alive)+len(kids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: %d watcher goroutines, sandbox processes %v, child processes %v\n%s",
				len(g), alive, kids, strings.Join(g, "\n\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// childProcesses lists the live (not zombie) children of pid, from /proc.
func childProcesses(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n))
		if err != nil {
			continue
		}
		rest := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(rest) > 1 && rest[0] != "Z" && rest[1] == strconv.Itoa(pid) {
			kids = append(kids, n)
		}
	}
	slices.Sort(kids)
	return kids
}

func (d *liveDriver) view() string { return d.m.View().Content }
