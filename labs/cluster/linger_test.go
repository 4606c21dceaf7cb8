package cluster

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"
)

// A body over the server's limit is refused before it is read; a client
// still sending it gets the 413, not "broken pipe" or "connection reset".
func TestRefusedBodyStillGetsItsAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fasthttp.Server{
		Handler:            func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(http.StatusOK) },
		MaxRequestBodySize: 10 << 10,
		Logger:             discardLogger{},
		ErrorHandler: func(ctx *fasthttp.RequestCtx, err error) {
			ctx.SetStatusCode(http.StatusRequestEntityTooLarge)
		},
	}
	go func() { _ = s.Serve(lingerListener{ln}) }()
	t.Cleanup(func() { _ = s.Shutdown() })

	url := "http://" + ln.Addr().String() + "/"
	body := bytes.Repeat([]byte("a"), 256<<10)
	for i := range 20 {
		// io.MultiReader hides the length: the body goes chunked, so the
		// server can only refuse it part way through.
		resp, err := http.Post(url, "application/json", io.MultiReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("request %d: %d, want 413", i, resp.StatusCode)
		}
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
