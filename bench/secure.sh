#!/usr/bin/env bash
# The price of the security lesson's defences: the same load (GET /, the
# cheapest route, where the per-request work of helmet, CORS and the rate
# limiter weighs most) on the bare Go cluster, the hardened Go cluster with
# each rate-limit store (shared, memory, primary, and redis when redis-server
# is installed) and the hardened Express cluster, 2 workers each, on
# loopback. Prints requests/s (best round and median) and p50/p99 side by
# side, with the targets: hardening costs the Go cluster under 15% of its
# requests/s (issue 16: with the exact shared store), and the hardened Go
# cluster serves at least 5x the hardened Express cluster.
#
#   bench/secure.sh [DURATION] [CONNECTIONS] [keepalive|no-keepalive] [ROUNDS]   (defaults: 5s 16 keepalive 5)
#   ONLY=Go bench/secure.sh      (only the variants whose name contains ONLY: here the Go ones)
# Each variant is measured ROUNDS times, interleaved; its best round and the
# median of its rounds are reported, and every round is printed.
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
json=$("$out/securebench" -duration "$duration" -connections "$conns" -keepalive="$kaflag" -rounds "$rounds" -cache "$out/home/cache" -only "${ONLY:-}")

gen=$(echo "$json" | jq -r '.[0].generator')
printf 'node %s, %s per variant, best of %s rounds (median beside it), %s connections (%s), 2 workers, %s cores, GET /, load from %s\n\n' "$(node --version)" "$duration" "$rounds" "$conns" "$ka" "$(nproc)" "$gen"
printf '%-34s %10s %10s %10s %10s %16s %8s\n' "variant" "best req/s" "median" "p50" "p99" "worker CPU/req" "non-200"
echo "$json" | jq -r '.[] | [.name, .rps, .median_rps, .p50_ms, .p99_ms, .worker_cpu_us, (.non_200 + .errors)] | @tsv' |
  while IFS=$'\t' read -r name rps med p50 p99 cpu bad; do
    printf '%-34s %10.0f %10.0f %8.2fms %8.2fms %14.1fus %8s\n' "$name" "$rps" "$med" "$p50" "$p99" "$cpu" "$bad"
  done
echo
echo "every round, req/s:"
echo "$json" | jq -r '.[] | "  \(.name): \(.rounds_rps | map(floor) | map(tostring) | join(" "))"'
echo
# Costs are printed for whatever variants ran (-only may leave some out).
echo "$json" | jq -r '
  (map({(.name): .}) | add) as $v |
  def cost($name; $field): (1 - $v[$name][$field] / $v["bare Go"][$field]) * 100;
  def verdict($c): if $c < 15 then "met" else "MISSED" end;
  ( ["shared", "memory", "primary", "redis"][] as $store |
    "hardened Go (\($store) store)" as $name |
    select($v[$name] != null and $v["bare Go"] != null) |
    cost($name; "rps") as $best | cost($name; "median_rps") as $med |
    "hardening cost, Go, \($store) store: \($best | floor)% of req/s best to best, \($med | floor)% median to median (target < 15%: \(verdict($best)) by best, \(verdict($med)) by median)" ),
  ( [["memory", "memory"], ["primary", "primary"], ["shared", "primary"]][] as [$go, $node] |
    select($v["hardened Go (\($go) store)"] != null and $v["hardened Express (\($node) store)"] != null) |
    ($v["hardened Go (\($go) store)"].rps / $v["hardened Express (\($node) store)"].rps) as $x |
    "hardened Go (\($go)) / hardened Express (\($node)): \($x * 100 | floor / 100)x (target >= 5x: \(if $x >= 5 then "met" else "MISSED" end))" ),
  ( select($v["hardened Go (shared store)"] != null and $v["bare Go"] != null) |
    "worker CPU per request, hardened Go (shared) / bare Go: \($v["hardened Go (shared store)"].worker_cpu_us / $v["bare Go"].worker_cpu_us * 100 | floor / 100)x" )'
echo
echo "With keep-alive the load comes from wrk when it is installed (apt install wrk): a separate process"
echo "that needs little CPU. Otherwise (or with no-keepalive) it is labs/load inside the bench process, which"
echo "is also the Go clusters' primary. Either way the client shares the two cores with the servers, so the"
echo "absolute numbers are lower than on a bigger machine."
echo "Worker CPU/req counts only the worker processes (user+system time from /proc), not the primary or the"
echo "load generator: the server-side price of each defence, which the req/s column mixes with the client's."
