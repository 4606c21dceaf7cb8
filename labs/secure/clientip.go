package secure

import (
	"bytes"
	"net/netip"
	"sync/atomic"
)

// clientIP names the client a request counts against for the rate limit.
// It follows Express's `trust proxy: 'loopback'` (proxy-addr): start from
// the connection's address and walk X-Forwarded-For (xff, each header line
// as received) from right to left while the address seen so far is a
// trusted (loopback) proxy; the first untrusted one is the client. A
// request that does not come through loopback is keyed by its own address,
// whatever X-Forwarded-For claims.
//
// In the lab every client is on loopback, so a probe can present itself as
// a distinct client by sending X-Forwarded-For, the way requests arrive from
// a local reverse proxy.
func clientIP(remote netip.Addr, xff [][]byte) netip.Addr {
	addr := remote.Unmap()
	if !addr.IsLoopback() {
		return addr
	}
	for i := len(xff) - 1; i >= 0; i-- {
		rest := xff[i]
		for len(rest) > 0 {
			var part []byte
			if j := bytes.LastIndexByte(rest, ','); j >= 0 {
				part, rest = rest[j+1:], rest[:j]
			} else {
				part, rest = rest, nil
			}
			part = bytes.TrimSpace(part)
			if len(part) == 0 {
				continue
			}
			next, ok := parseHop(part)
			if !ok {
				// proxy-addr stops at a value that is not an address.
				return addr
			}
			addr = next
			if !addr.IsLoopback() {
				return addr
			}
		}
	}
	return addr
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port ("1.2.3.4:80", "[::1]:80"), IPv4-in-IPv6 mapped to plain IPv4 as
// Node reports it.
func parseHop(b []byte) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(string(b)); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(string(b)); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// rateKey is express-rate-limit v8's default key: the client IP, with IPv6
// addresses grouped by their /56 network (one customer's whole allocation).
func rateKey(client netip.Addr) string {
	if client.Is4() {
		return client.String()
	}
	if p, err := client.Prefix(56); err == nil {
		return p.String()
	}
	return client.String()
}

// lastKey remembers the rate key of the last client seen. Requests come in
// runs from the same address (a keep-alive connection, a proxy in front),
// and formatting the address anew for each costs an allocation.
type lastKey struct {
	last atomic.Pointer[clientKey]
}

type clientKey struct {
	addr netip.Addr
	key  string
}

// of returns rateKey(client).
func (k *lastKey) of(client netip.Addr) string {
	if c := k.last.Load(); c != nil && c.addr == client {
		return c.key
	}
	c := &clientKey{client, rateKey(client)}
	k.last.Store(c)
	return c.key
}
