package shmtable

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
)

// childEnv makes the test binary a process that maps the region on fd 3 and
// hits it: "N KEY..." hits each key N times (N = 0: forever) and prints
// the counts it was given as JSON.
const childEnv = "NODEDIVE_SHMTABLE_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChild(spec))
	}
	os.Exit(m.Run())
}

func runChild(spec string) int {
	var n int
	fields := strings.Fields(spec)
	if _, err := fmt.Sscan(fields[0], &n); err != nil || len(fields) < 2 {
		fmt.Fprintln(os.Stderr, "bad child spec", spec)
		return 2
	}
	keys := fields[1:]
	r, err := Open(os.NewFile(3, "region"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ready")
	got := map[string][]int{}
	for i := 0; n == 0 || i < n*len(keys); i++ {
		k := keys[i%len(keys)]
		h, err := r.Table().Hit(k, time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		got[k] = append(got[k], h.Count)
	}
	b, _ := json.Marshal(got)
	fmt.Println(string(b))
	return 0
}

// child starts the test binary as a process sharing r.
func child(ctx context.Context, t *testing.T, r *Region, spec string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+spec)
	cmd.ExtraFiles = []*os.File{r.File()}
	cmd.Stderr = os.Stderr
	proc.Prepare(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 16<<20)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("child did not map the region: %q", sc.Text())
	}
	return cmd, sc
}

// Four processes hit one client and twenty others through one region: the
// counts they are given, taken together, are 1..total for every client.
func TestProcessesShareExactCounts(t *testing.T) {
	r, err := Create(1024, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	keys := []string{"hot"}
	for i := range 20 {
		keys = append(keys, fmt.Sprint("203.0.113.", i))
	}
	const procs, each = 4, 300
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type kid struct {
		cmd *exec.Cmd
		out *bufio.Scanner
	}
	var kids []kid
	for p := range procs {
		// Each process walks the keys from a different start.
		rot := append(slices.Clone(keys[p*5:]), keys[:p*5]...)
		cmd, out := child(ctx, t, r, fmt.Sprint(each, " ", strings.Join(rot, " ")))
		kids = append(kids, kid{cmd, out})
	}
	all := map[string][]int{}
	for _, k := range kids {
		if !k.out.Scan() {
			t.Fatalf("no counts from a child: %v", k.out.Err())
		}
		var got map[string][]int
		if err := json.Unmarshal(k.out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		for key, c := range got {
			all[key] = append(all[key], c...)
		}
		if err := k.cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range keys {
		c := all[key]
		slices.Sort(c)
		if !oneToN(c, procs*each) {
			t.Errorf("%s: %d counts from %v to %v, want 1..%d once each", key, len(c), c[0], c[len(c)-1], procs*each)
		}
	}
	if st := r.Table().Stats(time.Now()); st.Live != len(keys) || st.Reserved != 0 {
		t.Errorf("%d clients hold %+v", len(keys), st)
	}
}

// A process killed while it hits the table leaves nothing that blocks the
// others: they keep counting, and a process started afterwards maps the
// same counts.
func TestKilledProcessLeavesTheTableUsable(t *testing.T) {
	r, err := Create(256, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var keys []string
	for i := range 40 {
		keys = append(keys, fmt.Sprint("k", i))
	}
	victim, _ := child(ctx, t, r, "0 "+strings.Join(keys, " "))
	time.Sleep(50 * time.Millisecond)
	if err := syscall.Kill(victim.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.Wait()
	before := map[string]int{}
	for _, k := range keys {
		h, err := r.Table().Hit(k, time.Now())
		if err != nil {
			t.Fatalf("%s after the kill: %v", k, err)
		}
		before[k] = h.Count
	}
	// A new process continues every count where this one left it.
	next, out := child(ctx, t, r, "1 "+strings.Join(keys, " "))
	if !out.Scan() {
		t.Fatal("no counts from the new process")
	}
	var got map[string][]int
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	_ = next.Wait()
	for _, k := range keys {
		if len(got[k]) != 1 || got[k][0] != before[k]+1 {
			t.Errorf("%s: the new process counted %v after %d", k, got[k], before[k])
		}
	}
	if st := r.Table().Stats(time.Now()); st.Live != len(keys) || st.Reserved != 0 {
		t.Errorf("slots after the kill: %+v", st)
	}
}

func TestOpenRefusesWhatIsNotATable(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "not-a-table")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Open(f); err == nil || !strings.Contains(err.Error(), "0 bytes") {
		t.Errorf("an empty file: %v", err)
	}
	if _, err := f.Write(make([]byte, Size(16))); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(f); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("a zeroed file: %v", err)
	}
	if _, err := Create(100, time.Minute); err == nil || !strings.Contains(err.Error(), "power of two") {
		t.Errorf("100 slots: %v", err)
	}
}

// The region is a sealed memfd: nobody can shrink it under the others.
func TestRegionIsSealed(t *testing.T) {
	r, err := Create(16, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.File().Truncate(64); err == nil {
		t.Error("the region could be shrunk")
	}
	fd, err := syscall.Dup(int(r.File().Fd()))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Open(os.NewFile(uintptr(fd), "region again"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = again.Close() }()
	if h, _ := r.Table().Hit("a", time.Now()); h.Count != 1 {
		t.Fatal(h)
	}
	if h, _ := again.Table().Hit("a", time.Now()); h.Count != 2 {
		t.Errorf("a second mapping of the same region counts %d, want 2", h.Count)
	}
}
