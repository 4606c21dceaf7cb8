package secure

// StoreCost says in a few words what a rate-limit store buys and what it
// costs the Go cluster, from bench/secure.sh on the 2-core machine the lab
// was measured on (the README has the numbers); "" for an unknown store.
func StoreCost(store string) string {
	switch store {
	case StoreMemory:
		return "per worker, cheap: a client gets workers × limit"
	case StorePrimary:
		return "exact: an IPC round trip to the primary per group of requests, ~70% of req/s"
	case StoreRedis:
		return "exact, across machines too: a Redis round trip per request, ~70% of req/s"
	case StoreShared:
		return "exact: counted in place in memory every worker maps, as cheap as memory"
	}
	return ""
}
