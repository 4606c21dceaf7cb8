#!/usr/bin/env bash
# The price of the security lesson's defences: the same load (GET /, the
# cheapest route, where the per-request work of helmet, CORS and the rate
# limiter weighs most) on the bare Go cluster, the hardened Go cluster and the
# hardened Express cluster, 2 workers each, on loopback. Prints requests/s and
# p50/p99 side by side, with the issue 6 targets: hardening costs the Go
# cluster under 15% of its requests/s, and the hardened Go cluster serves at
# least 5x the hardened Express cluster (same store).
#
#   bench/secure.sh [DURATION] [CONNECTIONS] [keepalive|no-keepalive] [ROUNDS]   (defaults: 5s 16 keepalive 5)
# Each variant is measured ROUNDS times, interleaved, and its best round is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5s}
conns=${2:-16}
ka=${3:-keepalive}
rounds=${4:-5}
command -v jq >/dev/null || { echo "bench/secure.sh needs jq (apt install jq)"; exit 1; }
command -v node >/dev/null || { echo "bench/secure.sh needs node and npm on PATH (the Express cluster is a third of the comparison)"; exit 1; }

out=bench/out; mkdir -p "$out"
go build -o "$out/securebench" ./bench/securebench
kaflag=true; [ "$ka" = no-keepalive ] && kaflag=false
json=$("$out/securebench" -duration "$duration" -connections "$conns" -keepalive="$kaflag" -rounds "$rounds" -cache "$out/home/cache")

gen=$(echo "$json" | jq -r '.[0].generator')
printf 'node %s, %s per variant, best of %s rounds, %s connections (%s), 2 workers, %s cores, GET /, load from %s\n\n' "$(node --version)" "$duration" "$rounds" "$conns" "$ka" "$(nproc)" "$gen"
printf '%-34s %10s %10s %10s %16s %8s\n' "variant" "req/s" "p50" "p99" "worker CPU/req" "non-200"
echo "$json" | jq -r '.[] | [.name, .rps, .p50_ms, .p99_ms, .worker_cpu_us, (.non_200 + .errors)] | @tsv' |
  while IFS=$'\t' read -r name rps p50 p99 cpu bad; do
    printf '%-34s %10.0f %8.2fms %8.2fms %14.1fus %8s\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$bad"
  done
echo
echo "$json" | jq -r '
  (map({(.name): .rps}) | add) as $r |
  ( (1 - $r["hardened Go (memory store)"] / $r["bare Go"]) * 100 ) as $cost_mem |
  ( (1 - $r["hardened Go (primary store)"] / $r["bare Go"]) * 100 ) as $cost_pri |
  ( $r["hardened Go (memory store)"] / $r["hardened Express (memory store)"] ) as $x_mem |
  ( $r["hardened Go (primary store)"] / $r["hardened Express (primary store)"] ) as $x_pri |
  "hardening cost, Go, memory store:  \($cost_mem | floor)% of req/s (target < 15%: \(if $cost_mem < 15 then "met" else "MISSED" end))",
  "hardening cost, Go, primary store: \($cost_pri | floor)% of req/s (target < 15%: \(if $cost_pri < 15 then "met" else "MISSED" end))",
  "hardened Go / hardened Express, memory store:  \($x_mem * 100 | floor / 100)x (target >= 5x: \(if $x_mem >= 5 then "met" else "MISSED" end))",
  "hardened Go / hardened Express, primary store: \($x_pri * 100 | floor / 100)x (target >= 5x: \(if $x_pri >= 5 then "met" else "MISSED" end))",
  "worker CPU per request, hardened Go (memory) / bare Go: \(((map({(.name): .worker_cpu_us}) | add) as $c | $c["hardened Go (memory store)"] / $c["bare Go"]) * 100 | floor / 100)x"'
echo
echo "With keep-alive the load comes from wrk when it is installed (apt install wrk): a separate process"
echo "that needs little CPU. Otherwise (or with no-keepalive) it is labs/load inside the bench process, which"
echo "is also the Go clusters' primary. Either way the client shares the two cores with the servers, so the"
echo "absolute numbers are lower than on a bigger machine."
echo "Worker CPU/req counts only the worker processes (user+system time from /proc), not the primary or the"
echo "load generator: the server-side price of each defence, which the req/s column mixes with the client's."
