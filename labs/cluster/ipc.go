package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// The primary and each Go worker talk over one AF_UNIX SOCK_SEQPACKET socket
// pair. SEQPACKET keeps message boundaries, so every packet is exactly one
// JSON message, and an accepted connection's file descriptor (SCM_RIGHTS)
// travels attached to its own packet: there is no byte stream to re-frame and
// no way for a descriptor to drift onto the wrong message. Packets arrive in
// the order they were sent, which the drain protocol relies on (a "drain"
// sent after the last "conn" is read after it).

// maxMessage caps one IPC packet. Extension payloads (a rate-limit key, a
// counter) are tiny; the cap only guards against a runaway message.
const maxMessage = 64 << 10

// Message types.
const (
	msgConn      = "conn"      // primary → worker: serve the attached socket (rr)
	msgDrain     = "drain"     // primary → worker: stop taking work, finish, exit
	msgListening = "listening" // worker → primary: the HTTP server is serving
	msgStats     = "stats"     // worker → primary: counters
	msgCall      = "call"      // worker → primary: extension request
	msgReply     = "reply"     // primary → worker: answer to a call
)

// message is one IPC packet. Fields are shared between types to keep the
// wire format a single flat JSON object.
type message struct {
	Type string `json:"t"`
	// Call and reply.
	Call uint64          `json:"id,omitempty"`
	Name string          `json:"n,omitempty"`
	Data json.RawMessage `json:"d,omitempty"`
	Err  string          `json:"e,omitempty"`
	// Listening and stats.
	PID      int    `json:"pid,omitempty"`
	Requests uint64 `json:"req,omitempty"`
	RSS      uint64 `json:"rss,omitempty"`
	Conns    int64  `json:"conns,omitempty"`
}

// connPacket is the pre-encoded body of the hot-path message that hands a
// connection to a worker.
var connPacket = []byte(`{"t":"conn"}`)

// ipcConn is one end of the socket pair. Sends are safe from several
// goroutines (the kernel keeps each packet whole and net serialises writes);
// receives belong to a single reader goroutine.
type ipcConn struct {
	c   *net.UnixConn
	buf []byte
	oob []byte
}

// newSocketPair returns the primary's end, ready to use, and the worker's end
// as a file to pass in ExtraFiles (close it after the worker starts).
func newSocketPair() (*ipcConn, *os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("ipc socketpair: %w", err)
	}
	mine := os.NewFile(uintptr(fds[0]), "cluster-ipc-primary")
	theirs := os.NewFile(uintptr(fds[1]), "cluster-ipc-worker")
	conn, err := fileIPC(mine)
	if err != nil {
		theirs.Close()
		return nil, nil, err
	}
	return conn, theirs, nil
}

// fileIPC wraps an inherited or fresh socket file. The file is closed: net
// keeps its own duplicate, registered with the runtime poller.
func fileIPC(f *os.File) (*ipcConn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("ipc socket: %w", err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("ipc socket is a %T, not a unix socket", c)
	}
	return &ipcConn{
		c:   uc,
		buf: make([]byte, maxMessage),
		oob: make([]byte, syscall.CmsgSpace(4*4)),
	}, nil
}

// send writes one message, with fd attached when fd >= 0.
func (p *ipcConn) send(m *message, fd int) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return p.sendRaw(b, fd)
}

func (p *ipcConn) sendRaw(b []byte, fd int) error {
	if len(b) > maxMessage {
		return fmt.Errorf("ipc message of %d bytes is over the %d byte limit", len(b), maxMessage)
	}
	var oob []byte
	if fd >= 0 {
		oob = syscall.UnixRights(fd)
	}
	_, _, err := p.c.WriteMsgUnix(b, oob, nil)
	return err
}

// recv reads one message and the descriptor attached to it (-1 if none).
// It returns io.EOF-like errors when the other side is gone.
func (p *ipcConn) recv() (*message, int, error) {
	n, oobn, flags, _, err := p.c.ReadMsgUnix(p.buf, p.oob)
	if err != nil {
		return nil, -1, err
	}
	if n == 0 && oobn == 0 {
		// A zero-length read on SEQPACKET means the peer closed.
		return nil, -1, errPeerClosed
	}
	fd := -1
	if oobn > 0 {
		fd, err = parseFD(p.oob[:oobn])
		if err != nil {
			return nil, -1, err
		}
	}
	if flags&(syscall.MSG_TRUNC|syscall.MSG_CTRUNC) != 0 {
		if fd >= 0 {
			syscall.Close(fd)
		}
		return nil, -1, errors.New("ipc message truncated")
	}
	m := new(message)
	if err := json.Unmarshal(p.buf[:n], m); err != nil {
		if fd >= 0 {
			syscall.Close(fd)
		}
		return nil, -1, fmt.Errorf("ipc message: %w", err)
	}
	return m, fd, nil
}

var errPeerClosed = errors.New("ipc peer closed")

// parseFD takes the single descriptor of an SCM_RIGHTS message, closing any
// extra ones so none leak.
func parseFD(oob []byte) (int, error) {
	cmsgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return -1, fmt.Errorf("ipc control message: %w", err)
	}
	fd := -1
	for _, cm := range cmsgs {
		fds, err := syscall.ParseUnixRights(&cm)
		if err != nil {
			continue
		}
		for _, f := range fds {
			if fd < 0 {
				fd = f
			} else {
				syscall.Close(f)
			}
		}
	}
	return fd, nil
}

func (p *ipcConn) close() error { return p.c.Close() }
