package scale

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nodedive/nodedive/internal/proc"
)

// Network-namespace mode: each instance gets its own namespace, joined to
// the host by a veth pair, with an address from 198.18.0.0/15 (the range
// set aside for network benchmarks, RFC 2544), so nothing real is shadowed.
// Instance i: host side 198.18.i.1/30, namespace side 198.18.i.2/30. nginx,
// in the host namespace, really sends its requests across a (virtual) link.

// netnsUnavailable says why namespaces cannot be used here, or "".
func netnsUnavailable() string {
	if os.Geteuid() != 0 {
		return fmt.Sprintf("network namespaces and veth links need root (CAP_NET_ADMIN), and nodedive runs as uid %d", os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "the ip command (iproute2) is not installed"
	}
	return ""
}

// netnsSet is the namespaces of one lab, named after its pid so that a
// later run can clean up after a lab that was killed before removing them.
type netnsSet struct {
	pid     int
	n       int
	created []string
	links   []string
}

var nsName = regexp.MustCompile(`^nd(\d+)-(\d+)$`)

func newNetns(ctx context.Context, n int) (_ *netnsSet, err error) {
	removeStaleNetns(ctx)
	s := &netnsSet{pid: os.Getpid(), n: n}
	defer func() {
		if err != nil {
			_ = s.remove()
		}
	}()
	for i := 1; i <= n; i++ {
		ns, host, peer := s.name(i), fmt.Sprintf("nd%dh%d", s.pid, i), fmt.Sprintf("nd%dp%d", s.pid, i)
		if len(host) > 15 {
			host, peer = fmt.Sprintf("ndh%d-%d", s.pid%1000000, i), fmt.Sprintf("ndp%d-%d", s.pid%1000000, i)
		}
		if err := ipCmd(ctx, "netns", "add", ns); err != nil {
			return nil, err
		}
		s.created = append(s.created, ns)
		if err := ipCmd(ctx, "link", "add", host, "type", "veth", "peer", "name", peer, "netns", ns); err != nil {
			return nil, err
		}
		s.links = append(s.links, host)
		steps := [][]string{
			{"addr", "add", fmt.Sprintf("198.18.%d.1/30", i), "dev", host},
			{"link", "set", host, "up"},
			{"-n", ns, "addr", "add", s.addr(i) + "/30", "dev", peer},
			{"-n", ns, "link", "set", peer, "up"},
			{"-n", ns, "link", "set", "lo", "up"},
		}
		for _, st := range steps {
			if err := ipCmd(ctx, st...); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func (s *netnsSet) name(i int) string { return fmt.Sprintf("nd%d-%d", s.pid, i) }

// hostAddr is the host end of instance i's link.
func (s *netnsSet) hostAddr(i int) string { return fmt.Sprintf("198.18.%d.1", i) }

// addr is instance i's address inside its namespace.
func (s *netnsSet) addr(i int) string { return fmt.Sprintf("198.18.%d.2", i) }

// remove deletes the namespaces (their veth ends go with them, and so do
// the host ends).
func (s *netnsSet) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, ns := range s.created {
		if err := ipCmd(ctx, "netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
	}
	for _, l := range s.links {
		_ = ipCmd(ctx, "link", "del", l) // usually gone already
	}
	s.created, s.links = nil, nil
	return errors.Join(errs...)
}

// removeStaleNetns deletes namespaces left by labs whose process is gone.
func removeStaleNetns(ctx context.Context) {
	cmd := exec.CommandContext(ctx, "ip", "netns", "list")
	proc.Prepare(cmd)
	out, err := cmd.Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		m := nsName.FindStringSubmatch(f[0])
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = ipCmd(ctx, "netns", "del", f[0])
	}
}

func ipCmd(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "ip", args...)
	proc.Prepare(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
