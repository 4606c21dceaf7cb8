package secure

import (
	"net/http"
	"slices"
)

// corsMethods is what the cors package allows by default on a preflight.
const corsMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// cors answers like the cors 2.8 package given an array of origins: an
// allowed Origin is echoed back, any other gets no Access-Control-Allow-Origin
// at all, and the request is served either way: it is the browser that
// refuses to hand a cross-origin response to a page, not the server.
// OPTIONS requests are preflights: 204, empty, never reaching the routes.
func cors(allowed []string, next http.Handler) http.Handler {
	varyOrigin := []string{"Origin"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(allowed, origin) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method != http.MethodOptions {
			h["Vary"] = varyOrigin[:1:1] // shared, never modified in place
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Vary", "Origin, Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", corsMethods)
		if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
			h.Set("Access-Control-Allow-Headers", asked)
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
	})
}

// openCORS is cors() with no options: every origin may read every response.
func openCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", corsMethods)
		if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
			h.Set("Access-Control-Allow-Headers", asked)
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
	})
}
