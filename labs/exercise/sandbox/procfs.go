package sandbox

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// procEntry is what the sandbox needs from /proc/PID/stat.
type procEntry struct {
	pid, ppid int
	zombie    bool
}

// scanProcs reads every process's parent and state.
func scanProcs() []procEntry {
	dirs, _ := os.ReadDir("/proc")
	out := make([]procEntry, 0, len(dirs))
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if e, ok := readStat(pid); ok {
			out = append(out, e)
		}
	}
	return out
}

func readStat(pid int) (procEntry, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procEntry{}, false
	}
	// The command name is in parentheses and may itself contain ") ".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procEntry{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return procEntry{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	return procEntry{pid: pid, ppid: ppid, zombie: f[0] == "Z" || f[0] == "X"}, true
}

// liveChildren lists the children of ppid that are not zombies.
func liveChildren(ppid int) []int {
	var kids []int
	for _, e := range scanProcs() {
		if e.ppid == ppid && !e.zombie {
			kids = append(kids, e.pid)
		}
	}
	return kids
}

// descendants lists the live processes under root (root excluded).
func descendants(root int) []int {
	children := map[int][]procEntry{}
	for _, e := range scanProcs() {
		children[e.ppid] = append(children[e.ppid], e)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if !c.zombie {
				out = append(out, c.pid)
			}
			queue = append(queue, c.pid)
		}
	}
	return out
}

// Alive lists the processes of every run this process started that are still
// alive (zombies excepted): tests assert it is empty after a check. It finds
// them by the MarkEnv variable each run's processes inherit.
func Alive() []int {
	want := []byte(MarkEnv + "=" + markPrefix())
	var pids []int
	for _, e := range scanProcs() {
		if e.zombie {
			continue
		}
		env, err := os.ReadFile("/proc/" + strconv.Itoa(e.pid) + "/environ")
		if err != nil {
			continue
		}
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if bytes.HasPrefix(kv, want) {
				pids = append(pids, e.pid)
				break
			}
		}
	}
	return pids
}

// Listener is a TCP socket a process listens on.
type Listener struct {
	PID  int
	Addr string // "127.0.0.1:3000", "[::]:3000"
	// Loopback is set when only this machine can connect: 127.0.0.0/8 or
	// ::1. "0.0.0.0" and "::" are every address, reachable from the
	// network.
	Loopback bool
}

// listenersOf lists the listening TCP sockets held by pids.
func listenersOf(pids []int) ([]Listener, error) {
	byInode := map[string]int{}
	for _, pid := range pids {
		fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
		if err != nil {
			continue // it exited meanwhile
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
			if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
				byInode[strings.TrimSuffix(inode, "]")] = pid
			}
		}
	}
	if len(byInode) == 0 {
		return nil, nil
	}
	var out []Listener
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		ls, err := listeningSockets(table)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if pid, ok := byInode[l.inode]; ok {
				out = append(out, Listener{PID: pid, Addr: net.JoinHostPort(l.ip.String(), strconv.Itoa(l.port)), Loopback: l.ip.IsLoopback()})
			}
		}
	}
	return out, nil
}

type socketEntry struct {
	ip    net.IP
	port  int
	inode string
}

// tcpListen is the state column of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// listeningSockets parses a /proc/net/tcp or tcp6 table.
func listeningSockets(table string) ([]socketEntry, error) {
	f, err := os.Open(table)
	if os.IsNotExist(err) {
		return nil, nil // no IPv6 in this kernel
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []socketEntry
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != tcpListen {
			continue
		}
		host, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		ip := parseProcIP(host)
		port, err := strconv.ParseUint(portHex, 16, 16)
		if ip == nil || err != nil {
			continue
		}
		out = append(out, socketEntry{ip: ip, port: int(port), inode: f[9]})
	}
	return out, sc.Err()
}

// parseProcIP decodes an address of /proc/net/tcp{,6}: the kernel prints
// each 32-bit word of the network-order address as a host-order number.
func parseProcIP(s string) net.IP {
	raw, err := hex.DecodeString(s)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		word, _ := strconv.ParseUint(s[2*i:2*i+8], 16, 32)
		binary.NativeEndian.PutUint32(ip[i:], uint32(word))
	}
	return ip
}

func dialOK(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
