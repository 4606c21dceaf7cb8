package secure

import "github.com/valyala/fasthttp"

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

// helmetKV is HelmetHeaders as bytes, made once.
var helmetKV = func() [][2][]byte {
	kv := make([][2][]byte, len(HelmetHeaders))
	for i, h := range HelmetHeaders {
		kv[i] = [2][]byte{[]byte(h.Name), []byte(h.Value)}
	}
	return kv
}()

// setHelmetHeaders adds helmet's headers to h. Every response starts with
// them, the server's own error answers too, so errors, 404s and 429s carry
// them. Call h.DisableNormalizing first to keep helmet's spelling on the
// wire (X-DNS-Prefetch-Control, not X-Dns-Prefetch-Control): header names
// are case-insensitive, this only reads better.
func setHelmetHeaders(h *fasthttp.ResponseHeader) {
	for _, kv := range helmetKV {
		h.AddBytesKV(kv[0], kv[1])
	}
}

// setPoweredBy imitates a framework that advertises itself, as Express does
// unless helmet (or app.disable('x-powered-by')) removes the header.
func setPoweredBy(h *fasthttp.ResponseHeader) {
	h.Set("X-Powered-By", "nodedive-go")
}
