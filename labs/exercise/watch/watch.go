// Package watch reports the files that change under a directory tree, in
// bursts: an editor's save (write a temp file, rename it, touch it) is one
// change, not four. It is what `nodedive watch` re-verifies on.
package watch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long a directory must stay quiet before its changes
// are reported: long enough to merge the steps of one save, short enough to
// feel immediate.
const DefaultDebounce = 150 * time.Millisecond

// skipped are directories whose changes do not matter: backups the exercise
// commands keep, version control, installed packages.
var skipped = []string{".nodedive-backup", ".git", "node_modules"}

// Watcher watches a directory tree.
type Watcher struct {
	root     string
	debounce time.Duration
	fs       *fsnotify.Watcher
	changes  chan []string
	errs     chan error
	done     chan struct{}
	stopped  chan struct{}
}

// Start watches root and every directory under it (new ones included),
// reporting changes after debounce of quiet (zero means DefaultDebounce).
func Start(root string, debounce time.Duration) (*Watcher, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{
		root: root, debounce: debounce, fs: fsw,
		changes: make(chan []string), errs: make(chan error, 1),
		done: make(chan struct{}), stopped: make(chan struct{}),
	}
	if err := w.addTree(root); err != nil {
		fsw.Close()
		return nil, err
	}
	go w.loop()
	return w, nil
}

// Changes delivers the files changed in each burst, relative to the root,
// slash-separated and sorted. Changes made while the receiver is busy are
// merged into the next delivery, never lost and never blocking the watcher.
func (w *Watcher) Changes() <-chan []string { return w.changes }

// Errors delivers errors of the underlying watcher (an event queue overflow,
// say); the latest is kept when nobody reads them.
func (w *Watcher) Errors() <-chan error { return w.errs }

// Close stops watching.
func (w *Watcher) Close() error {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
	<-w.stopped
	return w.fs.Close()
}

func (w *Watcher) addTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != root && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && slices.Contains(skipped, d.Name()) {
			return filepath.SkipDir
		}
		return w.fs.Add(p)
	})
}

func (w *Watcher) loop() {
	defer close(w.stopped)
	pending := map[string]bool{}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	ready := false
	for {
		var send chan<- []string
		var batch []string
		if ready && len(pending) > 0 {
			send, batch = w.changes, sortedKeys(pending)
		}
		select {
		case <-w.done:
			quiet.Stop()
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if rel, ok := w.relevant(ev); ok {
				pending[rel] = true
				ready = false
				quiet.Reset(w.debounce)
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			select {
			case w.errs <- err:
			default:
			}
		case <-quiet.C:
			ready = true
		case send <- batch:
			pending = map[string]bool{}
			ready = false
		}
	}
}

// relevant filters an event and returns its path relative to the root. A new
// directory is watched from now on.
func (w *Watcher) relevant(ev fsnotify.Event) (string, bool) {
	if ev.Op == fsnotify.Chmod {
		return "", false // touch, or an editor fiddling with modes
	}
	rel, err := filepath.Rel(w.root, ev.Name)
	if err != nil || rel == "." {
		return "", false
	}
	for dir := filepath.Dir(rel); dir != "."; dir = filepath.Dir(dir) {
		if slices.Contains(skipped, filepath.Base(dir)) {
			return "", false
		}
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
			if slices.Contains(skipped, info.Name()) {
				return "", false
			}
			_ = w.addTree(ev.Name)
		}
	}
	return filepath.ToSlash(rel), true
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
