package secure_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/secure"
)

// The cost of the defences on GET / through a real loopback HTTP server, in
// one process: compare bare and hardened ns/op and allocs/op. The clients
// write a prepared request on keep-alive connections and read the response
// with a minimal parser, so what is measured (time and allocations) is
// nearly all the server's. bench/secure.sh measures the same through real
// multi-process clusters, with wrk as the client.
func BenchmarkGETRoot(b *testing.B) {
	for _, c := range []struct {
		name  string
		store string
		weak  secure.Weaknesses
	}{
		{"bare", secure.StoreMemory, secure.AllWeak},
		{"hardened-memory", secure.StoreMemory, secure.Weaknesses{}},
		{"hardened-shared", secure.StoreShared, secure.Weaknesses{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			// A limit no client reaches within a (short) window.
			cfg := secure.Config{Secret: testSecret, Limit: 1_000_000, Window: 2 * time.Second, Store: c.store, Weak: c.weak}
			app, err := secure.New(cfg, secure.Options{Log: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := app.NewServer()
			go func() { _ = srv.Serve(ln) }()
			defer func() { _ = srv.Shutdown() }()
			addr := ln.Addr().String()
			req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\n\r\n")
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				r := bufio.NewReaderSize(conn, 4096)
				for pb.Next() {
					if _, err := conn.Write(req); err != nil {
						b.Error(err)
						return
					}
					if err := readResponse(r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// readResponse consumes one 200 response with a Content-Length body.
func readResponse(r *bufio.Reader) error {
	status, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return io.ErrUnexpectedEOF
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return io.ErrUnexpectedEOF
	}
	_, err = r.Discard(length)
	return err
}
