package main

import (
	"os"
	"testing"
)

// In this package's tests the test binary is what the sandbox re-executes
// for an exercise check (and what the labs re-execute), so it must serve
// those child roles before the tests start.
func TestMain(m *testing.M) {
	if runChildRole(os.Args) {
		return
	}
	os.Exit(m.Run())
}
