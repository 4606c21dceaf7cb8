package secure_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nodedive/nodedive/labs/secure"
)

// The cost of the defences on GET / through a real loopback HTTP server with
// keep-alive clients, in one process: compare bare and hardened ns/op.
// bench/secure.sh measures the same through real multi-process clusters.
func BenchmarkGETRoot(b *testing.B) {
	for _, c := range []struct {
		name string
		weak secure.Weaknesses
	}{{"bare", secure.AllWeak}, {"hardened", secure.Weaknesses{}}} {
		b.Run(c.name, func(b *testing.B) {
			app, err := secure.New(secure.Config{Secret: testSecret, Limit: 1 << 30, Window: time.Hour, Weak: c.weak},
				secure.Options{Log: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewUnstartedServer(app)
			app.ConfigureServer(srv.Config)
			srv.Start()
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(srv.URL + "/")
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
