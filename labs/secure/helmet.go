package secure

import "net/http"

// Header is one response header: its name as helmet writes it, and value.
type Header struct {
	Name, Value string
}

// HelmetHeaders are the headers helmet v8's defaults set, with their values
// (checked against helmet 8.3.0 on Node 20). Cross-Origin-Embedder-Policy is
// not among them: it has been off by default since helmet 7.
var HelmetHeaders = []Header{
	{"Content-Security-Policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
		"frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
		"style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "no-referrer"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-DNS-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{"X-XSS-Protection", "0"},
}

// helmet sets HelmetHeaders on every response before anything else runs, so
// errors, 404s and 429s carry them too.
func helmet(next http.Handler) http.Handler {
	// The value slices are made once and shared by every response: nothing
	// modifies a header value in place (Add appends to a full slice, which
	// copies), and it saves a dozen allocations per request.
	values := make([][]string, len(HelmetHeaders))
	for i, hh := range HelmetHeaders {
		values[i] = []string{hh.Value}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for i, hh := range HelmetHeaders {
			// Set the map directly to keep helmet's spelling on the wire
			// (X-DNS-Prefetch-Control, not X-Dns-Prefetch-Control).
			// Header names are case-insensitive; this only reads better.
			h[hh.Name] = values[i][:1:1]
		}
		next.ServeHTTP(w, r)
	})
}

// poweredBy imitates a framework that advertises itself, as Express does
// unless helmet (or app.disable('x-powered-by')) removes the header.
func poweredBy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "nodedive-go")
		next.ServeHTTP(w, r)
	})
}
