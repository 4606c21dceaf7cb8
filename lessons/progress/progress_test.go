package progress_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/lessons/progress"
)

// The test binary doubles as a second nodedive process: with this variable
// set, TestMain runs a writer loop instead of the tests.
const helperEnv = "PROGRESS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "count":
		n, _ := strconv.Atoi(os.Getenv("PROGRESS_TEST_N"))
		s := progress.Open(os.Getenv("PROGRESS_TEST_DIR"))
		for range n {
			if _, _, err := s.Update(func(p *progress.Progress) error {
				p.RecordLab("counter", time.Now())
				return nil
			}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	case "churn":
		// Write large files forever, until killed.
		s := progress.Open(os.Getenv("PROGRESS_TEST_DIR"))
		for i := 0; ; i++ {
			_, _, err := s.Update(func(p *progress.Progress) error {
				l := p.Lesson("big")
				l.Read = l.Read[:0]
				for j := range 20000 {
					l.Read = append(l.Read, fmt.Sprintf("section-%d-%d", i, j))
				}
				p.RecordLab("churn", time.Now())
				return nil
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if i == 0 {
				fmt.Println("wrote") // tell the parent the first write is done
			}
		}
	}
	os.Exit(m.Run())
}

func TestLoadOfAFreshStoreIsEmpty(t *testing.T) {
	s := progress.Open(t.TempDir())
	p, rec, err := s.Load()
	if err != nil || rec != nil {
		t.Fatalf("Load = %v, %v", rec, err)
	}
	if p.Schema != progress.SchemaVersion || len(p.Lessons) != 0 {
		t.Errorf("fresh progress = %+v", p)
	}
	if _, err := os.Stat(s.Path()); err == nil {
		t.Error("Load created the file; only an update should")
	}
}

func TestUpdateIsSavedAndReloaded(t *testing.T) {
	dir := t.TempDir()
	s := progress.Open(dir)
	_, _, err := s.Update(func(p *progress.Progress) error {
		p.MarkRead("q14", "definition")
		p.Last = &progress.Place{Lesson: "q14", Section: "definition", Scroll: 42}
		q := p.Question("q14")
		q.Attempts++
		q.LastScore = 80
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := progress.Open(dir).Load()
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsRead("q14", "definition") || p.Last.Scroll != 42 || p.Quiz["q14"].LastScore != 80 {
		t.Errorf("reloaded progress lost data: %+v", p)
	}
	if p.MarkRead("q14", "definition") {
		t.Error("marking a read section again reported it as new")
	}
}

func TestAFailingUpdateSavesNothing(t *testing.T) {
	s := progress.Open(t.TempDir())
	_, _, err := s.Update(func(p *progress.Progress) error {
		p.MarkRead("q11", "x")
		return fmt.Errorf("changed my mind")
	})
	if err == nil {
		t.Fatal("Update hid fn's error")
	}
	p, _, _ := s.Load()
	if p.IsRead("q11", "x") {
		t.Error("a failed update was saved")
	}
}

// TestConcurrentWritersLoseNoUpdate runs two processes and two goroutines
// incrementing the same counter; every increment must survive.
func TestConcurrentWritersLoseNoUpdate(t *testing.T) {
	dir := t.TempDir()
	const perWriter = 40
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=count", "PROGRESS_TEST_DIR="+dir, "PROGRESS_TEST_N="+strconv.Itoa(perWriter))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer process: %w: %s", err, out)
			}
		})
		wg.Go(func() {
			s := progress.Open(dir)
			for range perWriter {
				if _, _, err := s.Update(func(p *progress.Progress) error {
					p.RecordLab("counter", time.Now())
					return nil
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p, rec, err := progress.Open(dir).Load()
	if err != nil || rec != nil {
		t.Fatal(rec, err)
	}
	if got, want := p.Labs["counter"].Runs, 4*perWriter; got != want {
		t.Errorf("counter = %d after %d increments: updates were lost", got, want)
	}
}

func TestCorruptFileIsBackedUpAndReported(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":   "{not json",
		"binary":    "\x00\x01\x02progress",
		"no schema": `{"lessons": {}}`,
		"truncated": `{"schema": 1, "lessons": {"q11": {"read": ["defin`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := progress.Open(dir)
			if err := os.WriteFile(s.Path(), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			p, rec, err := s.Load()
			if err != nil {
				t.Fatal(err)
			}
			if rec == nil {
				t.Fatal("a corrupt file was not reported")
			}
			saved, err := os.ReadFile(rec.Backup)
			if err != nil || string(saved) != content {
				t.Errorf("backup %s does not hold the original bytes: %q, %v", rec.Backup, saved, err)
			}
			if !strings.Contains(rec.String(), rec.Backup) {
				t.Errorf("the report does not say where the backup is: %s", rec)
			}
			if len(p.Lessons) != 0 {
				t.Errorf("progress did not start clean: %+v", p)
			}
			// The next update works on a clean file.
			if _, rec2, err := s.Update(func(p *progress.Progress) error { p.MarkRead("q11", "a"); return nil }); err != nil || rec2 != nil {
				t.Errorf("update after recovery: %v, %v", rec2, err)
			}
		})
	}
}

func TestNewerSchemaIsLeftAlone(t *testing.T) {
	s := progress.Open(t.TempDir())
	future := `{"schema": 99, "lessons": {}}`
	if err := os.WriteFile(s.Path(), []byte(future), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Load of a newer schema: %v", err)
	}
	if _, _, err := s.Update(func(*progress.Progress) error { return nil }); err == nil {
		t.Error("Update overwrote a file from a newer nodedive")
	}
	if got, _ := os.ReadFile(s.Path()); string(got) != future {
		t.Errorf("file was changed: %s", got)
	}
}

func TestResetKeepsABackup(t *testing.T) {
	s := progress.Open(t.TempDir())
	if _, _, err := s.Update(func(p *progress.Progress) error { p.MarkRead("q12", "x"); return nil }); err != nil {
		t.Fatal(err)
	}
	backup, err := s.Reset()
	if err != nil || backup == "" {
		t.Fatalf("Reset = %q, %v", backup, err)
	}
	var old progress.Progress
	data, _ := os.ReadFile(backup)
	if json.Unmarshal(data, &old) != nil || !old.IsRead("q12", "x") {
		t.Errorf("backup does not hold the old progress: %s", data)
	}
	p, _, _ := s.Load()
	if p.IsRead("q12", "x") {
		t.Error("progress survived the reset")
	}
	if b, err := s.Reset(); err != nil || b != "" {
		t.Errorf("resetting nothing = %q, %v", b, err)
	}
}

// TestKillDuringWriteKeepsTheOldFile kills a process that is busy rewriting
// a large progress file, at varied moments; the file must always parse.
func TestKillDuringWriteKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	for round, delay := range []time.Duration{0, 3 * time.Millisecond, 7 * time.Millisecond, 13 * time.Millisecond, 29 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=churn", "PROGRESS_TEST_DIR="+dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := stdout.Read(buf); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: writer never wrote: %v", round, err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()

		p, rec, err := progress.Open(dir).Load()
		if err != nil || rec != nil {
			t.Fatalf("round %d: after a kill mid-write the file is unreadable: %v %v", round, rec, err)
		}
		if got := len(p.Lessons["big"].Read); got != 20000 {
			t.Fatalf("round %d: file holds a partial write (%d entries)", round, got)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*corrupt*"))
	if len(matches) > 0 {
		t.Errorf("a kill produced a corrupt file: %v", matches)
	}
}
