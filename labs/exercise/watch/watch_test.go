package watch_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/exercise/watch"
)

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, w *watch.Watcher) []string {
	t.Helper()
	select {
	case got := <-w.Changes():
		return got
	case <-time.After(5 * time.Second):
		t.Fatal("no change reported")
		return nil
	}
}

func none(t *testing.T, w *watch.Watcher, within time.Duration) {
	t.Helper()
	select {
	case got := <-w.Changes():
		t.Fatalf("unexpected change %v", got)
	case <-time.After(within):
	}
}

func TestABurstOfWritesIsOneChange(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "lib/old.js", "")
	w, err := watch.Start(dir, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// An editor's save: a temp file renamed over the original, then
	// another file of the same save.
	write(t, dir, "index.js.tmp", "a")
	if err := os.Rename(filepath.Join(dir, "index.js.tmp"), filepath.Join(dir, "index.js")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "lib/old.js", "b")
	got := next(t, w)
	for _, want := range []string{"index.js", "lib/old.js"} {
		if !slices.Contains(got, want) {
			t.Errorf("change %v lacks %s", got, want)
		}
	}
	none(t, w, 300*time.Millisecond)
}

func TestNewDirectoriesAreWatchedAndSkippedOnesAreNot(t *testing.T) {
	dir := t.TempDir()
	w, err := watch.Start(dir, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	write(t, dir, "node_modules/pkg/index.js", "x")
	write(t, dir, ".nodedive-backup/1/a.js", "x")
	write(t, dir, "node_modules/pkg/index.js", "y")
	none(t, w, 300*time.Millisecond)

	if err := os.Mkdir(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	next(t, w)
	time.Sleep(50 * time.Millisecond) // the new directory's watch is added on its event
	write(t, dir, "src/a.js", "x")
	if got := next(t, w); !slices.Equal(got, []string{"src/a.js"}) {
		t.Errorf("change %v, want src/a.js", got)
	}
}

// Changes that arrive while nobody reads are merged, not lost.
func TestChangesWaitForTheReader(t *testing.T) {
	dir := t.TempDir()
	w, err := watch.Start(dir, 30*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write(t, dir, "a.js", "1")
	time.Sleep(200 * time.Millisecond)
	write(t, dir, "b.js", "2")
	time.Sleep(200 * time.Millisecond)
	if got := next(t, w); !slices.Equal(got, []string{"a.js", "b.js"}) {
		t.Errorf("change %v, want both files", got)
	}
}

func TestStartFailsOnAMissingDirectory(t *testing.T) {
	if _, err := watch.Start(filepath.Join(t.TempDir(), "missing"), 0); err == nil {
		t.Error("watching a missing directory succeeded")
	}
}
