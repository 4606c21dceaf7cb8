package cluster

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// envFiles tells a Go worker which inherited descriptor is which of
// Config.Files: "name=fd,name=fd".
const envFiles = "NODEDIVE_CLUSTER_FILES"

// maxFiles bounds Config.Files.
const maxFiles = 16

// validateFiles checks Config.Files: names that survive envFiles, open
// files, and only for the Go runtime (Node workers are forked by node).
func validateFiles(files map[string]*os.File, rt Runtime) error {
	if len(files) == 0 {
		return nil
	}
	if rt != RuntimeGo {
		return errors.New("files for the workers are a Go-runtime feature: node forks its own workers")
	}
	if len(files) > maxFiles {
		return fmt.Errorf("%d files for the workers: at most %d", len(files), maxFiles)
	}
	for name, f := range files {
		if name == "" || strings.ContainsAny(name, "=, \t\n") {
			return fmt.Errorf("worker file name %q: use letters, digits, dots and dashes", name)
		}
		if f == nil {
			return fmt.Errorf("worker file %q is nil", name)
		}
	}
	return nil
}

// inheritFiles appends files to a worker's ExtraFiles, in name order, and
// returns the environment entry naming their descriptors. ExtraFiles[i]
// becomes descriptor 3+i in the child.
func inheritFiles(extra []*os.File, files map[string]*os.File) ([]*os.File, string) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	var spec []string
	for _, name := range names {
		spec = append(spec, name+"="+strconv.Itoa(3+len(extra)))
		extra = append(extra, files[name])
	}
	return extra, envFiles + "=" + strings.Join(spec, ",")
}

// inheritedFiles opens the descriptors envFiles names, in a worker.
func inheritedFiles(spec string) (map[string]*os.File, error) {
	files := map[string]*os.File{}
	if spec == "" {
		return files, nil
	}
	for entry := range strings.SplitSeq(spec, ",") {
		name, fdText, ok := strings.Cut(entry, "=")
		fd, err := strconv.Atoi(fdText)
		if !ok || err != nil || fd < 3 {
			return nil, fmt.Errorf("inherited file %q: want name=descriptor", entry)
		}
		files[name] = os.NewFile(uintptr(fd), name)
	}
	return files, nil
}

// File returns the file the primary handed this worker under name
// (Config.Files), or nil. Every worker of the cluster, respawned ones
// included, gets the same open file: shared memory travels this way.
func (w *Worker) File(name string) *os.File { return w.files[name] }
