package noderun

import (
	"fmt"
	"strconv"
	"strings"
)

// Lines are the Node.js release lines the course is checked on, oldest
// first. CI runs `nodedive check` on the newest release of each.
var Lines = []int{22, 24, 26}

// OldestLine is the oldest supported line: an older node still runs the
// course, with a warning naming what differs.
const OldestLine = 22

// LinesText names the supported lines for messages: "22, 24 and 26".
func LinesText() string {
	s := make([]string, len(Lines))
	for i, l := range Lines {
		s[i] = strconv.Itoa(l)
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// Major returns the major version of a node version such as "24.22.3" or
// "v20.20.2".
func Major(version string) (int, error) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(head)
	if err != nil || n < 0 || head != strconv.Itoa(n) {
		return 0, fmt.Errorf("%q is not a node version (want MAJOR.MINOR.PATCH, such as 24.22.3)", version)
	}
	return n, nil
}
