package render_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/nodedive/nodedive/lessons"
	"github.com/nodedive/nodedive/lessons/render"
)

func allLessons(t testing.TB) []*lessons.Lesson {
	t.Helper()
	c, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.Lessons
}

func TestPlainOutputHasNoEscapeSequences(t *testing.T) {
	r := render.New("")
	for _, l := range allLessons(t) {
		for _, width := range []int{40, 80, 120} {
			out, err := r.Render(l.Body, width, render.Plain)
			if err != nil {
				t.Fatal(err)
			}
			if i := bytes.IndexByte(out, 0x1b); i >= 0 {
				t.Errorf("%s at width %d: ESC byte at offset %d: %q", l.ID, width, i, out[max(0, i-20):min(len(out), i+20)])
			}
			for n, line := range bytes.Split(out, []byte("\n")) {
				if bytes.HasSuffix(line, []byte(" ")) {
					t.Errorf("%s at width %d: line %d has trailing spaces", l.ID, width, n+1)
					break
				}
			}
		}
	}
}

func TestStyledOutputIsStyledAndWrapped(t *testing.T) {
	r := render.New("")
	l := allLessons(t)[0]
	for _, st := range []render.Style{render.Dark, render.Light} {
		out, err := r.Render(l.Body, 60, st)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out, []byte{0x1b, '['}) {
			t.Errorf("%s style has no colour sequences", st)
		}
	}
	dark, _ := r.Render(l.Body, 60, render.Dark)
	light, _ := r.Render(l.Body, 60, render.Light)
	if bytes.Equal(dark, light) {
		t.Error("dark and light renderings are identical")
	}
}

func TestRenderIsCachedInMemoryAndOnDisk(t *testing.T) {
	dir := t.TempDir()
	l := allLessons(t)[0]
	first, err := render.New(dir).Render(l.Body, 80, render.Dark)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ans"))
	if len(files) != 1 {
		t.Fatalf("disk cache has %d files, want 1", len(files))
	}
	// Poison the disk entry: a new renderer (a new process) must serve it
	// from disk rather than render again.
	if err := os.WriteFile(files[0], []byte("from disk"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := render.New(dir).Render(l.Body, 80, render.Dark)
	if err != nil || string(again) != "from disk" {
		t.Fatalf("second process rendered instead of reading the cache: %q, %v", again[:min(20, len(again))], err)
	}
	// Different width or style are different entries.
	r := render.New(dir)
	other, _ := r.Render(l.Body, 81, render.Dark)
	if bytes.Equal(other, first) || string(other) == "from disk" {
		t.Error("width 81 reused the width-80 entry")
	}
	files, _ = filepath.Glob(filepath.Join(dir, "*.ans"))
	if len(files) != 2 {
		t.Errorf("disk cache has %d files after a second width, want 2", len(files))
	}
}

func TestUnwritableCacheDirStillRenders(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := render.New(filepath.Join(blocker, "cache")).Render([]byte("# Hi\n"), 40, render.Plain)
	if err != nil || !bytes.Contains(out, []byte("Hi")) {
		t.Errorf("render with a broken cache dir: %q, %v", out, err)
	}
}

func TestNarrowWidthsDoNotFail(t *testing.T) {
	r := render.New("")
	for _, w := range []int{-5, 0, 1, 10} {
		if _, err := r.Render(allLessons(t)[0].Body, w, render.Dark); err != nil {
			t.Errorf("width %d: %v", w, err)
		}
	}
}

// benchLesson is the clustering lesson, about 11 KB of markdown.
func benchLesson(b *testing.B) []byte {
	c, err := lessons.Load()
	if err != nil {
		b.Fatal(err)
	}
	l, err := c.Find("q14")
	if err != nil {
		b.Fatal(err)
	}
	return l.Body
}

// BenchmarkRenderUncached is what every read would cost without the cache
// (and roughly what glow pays for the same file).
func BenchmarkRenderUncached(b *testing.B) {
	md := benchLesson(b)
	b.SetBytes(int64(len(md)))
	for b.Loop() {
		if _, err := render.New("").Render(md, 80, render.Dark); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMemoryCached is the TUI's path on a revisit: no allocations.
func BenchmarkRenderMemoryCached(b *testing.B) {
	md := benchLesson(b)
	r := render.New("")
	if _, err := r.Render(md, 80, render.Dark); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(md, 80, render.Dark); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderDiskCached is the CLI's path on a repeat `nodedive read`:
// a fresh process finds the rendering in the user cache dir.
func BenchmarkRenderDiskCached(b *testing.B) {
	md := benchLesson(b)
	dir := b.TempDir()
	if _, err := render.New(dir).Render(md, 80, render.Dark); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := render.New(dir).WriteTo(io.Discard, md, 80, render.Dark); err != nil {
			b.Fatal(err)
		}
	}
}
