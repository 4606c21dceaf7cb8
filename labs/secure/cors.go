package secure

import (
	"slices"

	"github.com/valyala/fasthttp"
)

// corsMethods is what the cors package allows by default on a preflight.
const corsMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// setCORSHeaders adds the headers cors sends whatever the request: "*" to
// everyone when open, else Vary: Origin (the answer depends on it, so
// caches must key on it).
func setCORSHeaders(h *fasthttp.ResponseHeader, open bool) {
	if open {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Vary", "Origin")
	}
}

// cors answers like the cors 2.8 package given an array of origins (allowed)
// or no options at all (open), on a response that has setCORSHeaders': an
// allowed Origin is echoed back, any other gets no
// Access-Control-Allow-Origin at all, and the request is served either way:
// it is the browser that refuses to hand a cross-origin response to a page,
// not the server.
//
// OPTIONS requests are preflights: cors answers them itself (204, empty)
// and reports true, so they never reach the routes.
func cors(ctx *fasthttp.RequestCtx, allowed []string, open bool) (answered bool) {
	h := &ctx.Response.Header
	if !open {
		if origin := ctx.Request.Header.Peek("Origin"); len(origin) > 0 &&
			slices.ContainsFunc(allowed, func(o string) bool { return o == string(origin) }) {
			h.SetBytesV("Access-Control-Allow-Origin", origin)
		}
	}
	if !ctx.IsOptions() {
		return false
	}
	// A preflight never reaches the rate limit, so it has no policy.
	h.Del("RateLimit-Policy")
	if open {
		h.Set("Vary", "Access-Control-Request-Headers")
	} else {
		h.Set("Vary", "Origin, Access-Control-Request-Headers")
	}
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if asked := ctx.Request.Header.Peek("Access-Control-Request-Headers"); len(asked) > 0 {
		h.SetBytesV("Access-Control-Allow-Headers", asked)
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
	ctx.Response.ResetBody()
	return true
}
