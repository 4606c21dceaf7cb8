package main

import (
	"os"
	"testing"
)

// In this package's tests the test binary is what the sandbox re-executes
// for an exercise check (and what the labs re-execute), so it must serve
// those child roles before the tests start. After the tests, the binary
// the end-to-end tests built is removed from the temp dir.
func TestMain(m *testing.M) {
	if runChildRole(os.Args) {
		return
	}
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir) // a leftover in the temp dir is all a failure costs
	}
	os.Exit(code)
}
