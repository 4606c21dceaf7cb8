#!/usr/bin/env bash
# Emits to ten listeners with the Go EventEmitter (labs/emitter) and checks
# the target of issue 7: under 1 µs per emit. Prints ns/op and allocs/op.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench '^BenchmarkEmit10' -benchmem -count 3 ./labs/emitter/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '/^BenchmarkEmit10-/ { n++; if ($3 + 0 > worst) worst = $3 + 0 }
  END {
    if (n == 0) { print "no BenchmarkEmit10 result"; exit 1 }
    printf "BenchmarkEmit10: worst of %d runs %.1f ns/op (target < 1000 ns/op): %s\n", n, worst, (worst < 1000 ? "met" : "MISSED")
    exit (worst < 1000 ? 0 : 1)
  }'
