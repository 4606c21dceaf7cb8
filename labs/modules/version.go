package modules

import (
	"fmt"
	"strconv"
	"strings"
)

// version is a node version: major.minor.patch.
type version [3]int

func parseVersion(s string) (version, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	// Drop a pre-release or build suffix ("22.0.0-nightly...").
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return version{}, fmt.Errorf("bad version %q", s)
	}
	var v version
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return version{}, fmt.Errorf("bad version %q", s)
		}
		v[i] = n
	}
	return v, nil
}

func (v version) cmp(o version) int {
	for i := range v {
		if v[i] != o[i] {
			return v[i] - o[i]
		}
	}
	return 0
}

// matches reports whether v is in a range written like npm's: comparators
// (>=, >, <=, <, =) separated by spaces must all hold, and alternatives are
// separated by "||". A bare major such as "<21" means 21.0.0.
func matches(v version, rng string) (bool, error) {
	for _, alt := range strings.Split(rng, "||") {
		fields := strings.Fields(alt)
		if len(fields) == 0 {
			return false, fmt.Errorf("empty alternative in version range %q", rng)
		}
		all := true
		for _, f := range fields {
			op := strings.TrimRight(f, "0123456789.v")
			bound, err := parseVersion(f[len(op):])
			if err != nil {
				return false, fmt.Errorf("version range %q: %w", rng, err)
			}
			c := v.cmp(bound)
			var ok bool
			switch op {
			case ">=":
				ok = c >= 0
			case ">":
				ok = c > 0
			case "<=":
				ok = c <= 0
			case "<":
				ok = c < 0
			case "=", "":
				ok = c == 0
			default:
				return false, fmt.Errorf("version range %q: unknown operator %q", rng, op)
			}
			all = all && ok
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}
