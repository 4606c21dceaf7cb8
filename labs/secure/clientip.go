package secure

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP names the client a request counts against for the rate limit.
// It follows Express's `trust proxy: 'loopback'` (proxy-addr): start from
// the connection's address and walk X-Forwarded-For from right to left while
// the address seen so far is a trusted (loopback) proxy; the first untrusted
// one is the client. A request that does not come through loopback is keyed
// by its own address, whatever X-Forwarded-For claims.
//
// In the lab every client is on loopback, so a probe can present itself as
// a distinct client by sending X-Forwarded-For, the way requests arrive from
// a local reverse proxy.
func clientIP(r *http.Request) string {
	addr, ok := parseAddr(hostOnly(r.RemoteAddr))
	if !ok {
		return hostOnly(r.RemoteAddr)
	}
	if !addr.IsLoopback() {
		return addr.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			p := strings.TrimSpace(parts[j])
			if p == "" {
				continue
			}
			next, ok := parseAddr(hostOnly(p))
			if !ok {
				// proxy-addr stops at a value that is not an address.
				return addr.String()
			}
			addr = next
			if !addr.IsLoopback() {
				return addr.String()
			}
		}
	}
	return addr.String()
}

// parseAddr reads an IP address, mapping IPv4-in-IPv6 (::ffff:1.2.3.4) to
// plain IPv4 as Node reports it.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func hostOnly(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return hostport
}
