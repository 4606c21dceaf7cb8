package exercise

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// BackupDir is the directory, inside the learner's exercise directory, where
// replaced files are kept. Verify does not copy it into checks.
const BackupDir = ".nodedive-backup"

// Limits of what Verify copies from the learner's directory: an exercise is a
// handful of small files, and a --dir pointing at a home directory by mistake
// should fail fast rather than copy gigabytes into every check.
const (
	maxSnapshotFiles = 2000
	maxSnapshotBytes = 20 << 20
)

// WriteResult says which files a write created and which it left alone.
type WriteResult struct {
	Dir     string
	Written []string
	Kept    []string // already there: the learner's, never overwritten
}

// WriteStarter writes the task (README.md) and the scaffold into dir,
// creating it. A file that already exists is left alone and listed in Kept,
// so starting again never loses the learner's work.
func (e *Exercise) WriteStarter(dir string) (WriteResult, error) {
	res := WriteResult{Dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	for _, f := range e.StarterFiles() {
		p, err := join(dir, f.Name)
		if err != nil {
			return res, err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return res, err
		}
		// O_EXCL: even a file created a moment ago by an editor is kept.
		out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			res.Kept = append(res.Kept, f.Name)
			continue
		}
		if err != nil {
			return res, err
		}
		_, werr := out.Write(f.Data)
		if err := errors.Join(werr, out.Close()); err != nil {
			return res, err
		}
		res.Written = append(res.Written, f.Name)
	}
	return res, nil
}

// SolutionPlan is what writing the reference solution into a directory
// would do.
type SolutionPlan struct {
	Dir     string
	Create  []string // not in the directory yet
	Replace []string // there with other contents: the learner's work
	Same    []string // already identical
}

// PlanSolution compares the reference solution with the files in dir.
func (e *Exercise) PlanSolution(dir string) (*SolutionPlan, error) {
	plan := &SolutionPlan{Dir: dir}
	for _, f := range e.Solution {
		p, err := join(dir, f.Name)
		if err != nil {
			return nil, err
		}
		have, err := os.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			plan.Create = append(plan.Create, f.Name)
		case err != nil:
			return nil, err
		case bytes.Equal(have, f.Data):
			plan.Same = append(plan.Same, f.Name)
		default:
			plan.Replace = append(plan.Replace, f.Name)
		}
	}
	return plan, nil
}

// ApplySolution writes the reference solution as planned. The files it
// replaces are first copied to BackupDir/<time>/ inside the directory,
// whose path it returns ("" when nothing was replaced).
func (e *Exercise) ApplySolution(plan *SolutionPlan) (backup string, err error) {
	if len(plan.Replace) > 0 {
		backup = filepath.Join(plan.Dir, BackupDir, time.Now().UTC().Format("20060102T150405.000Z"))
		for _, name := range plan.Replace {
			src, err := join(plan.Dir, name)
			if err != nil {
				return "", err
			}
			data, err := os.ReadFile(src)
			if err != nil {
				return "", err
			}
			if err := writeFile(backup, name, data); err != nil {
				return "", fmt.Errorf("backing up %s: %w", name, err)
			}
		}
	}
	for _, f := range e.Solution {
		if slices.Contains(plan.Create, f.Name) || slices.Contains(plan.Replace, f.Name) {
			if err := writeFile(plan.Dir, f.Name, f.Data); err != nil {
				return backup, err
			}
		}
	}
	return backup, nil
}

// snapshot reads the learner's files in dir: what every check copies.
func (e *Exercise) snapshot(dir string) ([]File, error) {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: there is no directory %s", ErrNotStarted, dir)
	}
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is a file, not the exercise's directory", dir)
	}
	var files []File
	total := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if isInstalled(filepath.ToSlash(rel)) {
			// A learner's npm install is never copied: an exercise with
			// packages brings its own install to every check, and one
			// without must not depend on whatever the learner installed.
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && (d.Name() == BackupDir || d.Name() == ".git") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil // sockets, fifos: nothing node would load
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		total += len(data)
		if len(files) >= maxSnapshotFiles || total > maxSnapshotBytes {
			return fmt.Errorf("%s holds more than %d files or %d MiB: is it the exercise's directory?", dir, maxSnapshotFiles, maxSnapshotBytes>>20)
		}
		files = append(files, File{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		for _, s := range e.Scaffold {
			if f.Name == s.Name {
				return files, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: %s holds none of its files", ErrNotStarted, dir)
}

// join is filepath.Join for a slash-separated name that must stay inside dir.
func join(dir, name string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if rel, err := filepath.Rel(dir, p); err != nil || rel == ".." || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
		return "", fmt.Errorf("file name %q leaves %s", name, dir)
	}
	return p, nil
}
