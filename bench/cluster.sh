#!/usr/bin/env bash
# The Go cluster against the Node cluster (lesson q14's server.js on the
# installed node): 2 workers each, the same load from the same generator, on
# loopback, with keep-alive off (every request a new connection, handed out
# by the rr primary) and on (HTTP throughput over long-lived connections).
# Prints requests/s, p99 latency and peak worker RSS side by side, and the
# issue 5 targets: Go >= Node requests/s, lower p99, about 1/5 of the memory.
#
#   bench/cluster.sh [DURATION] [CONNECTIONS]     (defaults: 5s 16)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5s}
conns=${2:-16}
command -v jq >/dev/null || { echo "bench/cluster.sh needs jq (apt install jq)"; exit 1; }
command -v node >/dev/null || { echo "bench/cluster.sh needs node on PATH (the Node cluster is half the comparison)"; exit 1; }

bin=$(mktemp -d)/nodedive
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" .

run() { # runtime keepalive-flag
  "$bin" lab cluster --runtime "$1" --workers 2 --duration "$duration" --connections "$conns" $2 --json 2>/dev/null |
    jq -r '[.rps, .latency_ms.p99, ([.workers[].peak_rss_bytes] | add / length / 1048576),
            ([.workers[].peak_private_bytes] | add / length / 1048576), .errors] | @tsv'
}

printf 'node %s, %s per run, %s connections, 2 workers, %s cores\n\n' "$(node --version)" "$duration" "$conns" "$(nproc)"
printf '%-10s %10s %10s %9s %9s %12s %12s %12s %12s\n' "keep-alive" "go req/s" "node req/s" "go p99" "node p99" "go RSS" "node RSS" "go private" "node private"
fail=0
for ka in off on; do
  flag=""; [ "$ka" = on ] && flag="--keepalive"
  read -r grps gp99 grss gpriv gerr < <(run go "$flag")
  read -r nrps np99 nrss npriv nerr < <(run node "$flag")
  printf '%-10s %10.0f %10.0f %7.2fms %7.2fms %8.1f MiB %8.1f MiB %8.1f MiB %8.1f MiB\n' "$ka" "$grps" "$nrps" "$gp99" "$np99" "$grss" "$nrss" "$gpriv" "$npriv"
  if [ "$gerr" != 0 ] || [ "$nerr" != 0 ]; then echo "  errors: go $gerr, node $nerr"; fi
  awk -v g="$grps" -v n="$nrps" -v gp="$gp99" -v np="$np99" -v gm="$grss" -v nm="$nrss" -v gv="$gpriv" -v nv="$npriv" -v ka="$ka" 'BEGIN {
    printf "  keep-alive %s: go/node req/s %.2fx (target >= 1: %s), p99 %.2fx (target < 1: %s), RSS %.2fx and private %.2fx (target ~0.2: %s)\n",
      ka, g / n, (g >= n ? "met" : "MISSED"), gp / np, (gp < np ? "met" : "MISSED"), gm / nm, gv / nv, (gm <= 0.25 * nm ? "met" : "MISSED")
  }'
done
echo
echo "RSS is VmRSS from /proc/PID/status at its peak during the run; it counts the pages of the executable"
echo "each worker touched, shared by every worker of the same binary. Private is RssAnon: heap and stacks,"
echo "what one more worker really costs. The load generator runs in the nodedive process, which for the Go cluster"
echo "is also the primary (accepting and handing out connections); all of it shares the same cores."
