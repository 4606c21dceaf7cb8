#!/usr/bin/env bash
# The scaling lab's numbers side by side (lesson q13): the slow endpoint
# behind nginx with no cache, a per-process cache and Redis, for the Go and
# the Node instances, then heavy work inline against the Redis-stream queue.
# Everything runs on loopback with a real nginx and redis-server.
#
#   bench/scale.sh [DURATION] [CONNECTIONS]     (defaults: 4s 16)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-4s}
conns=${2:-16}
command -v jq >/dev/null || { echo "bench/scale.sh needs jq (apt install jq)"; exit 1; }
command -v redis-server >/dev/null || { echo "bench/scale.sh needs redis-server (apt install redis-server)"; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "bench/scale.sh needs nginx (apt install nginx)"; exit 1; }

bin=$(mktemp -d)/nodedive
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" .
runtimes="go"
command -v node >/dev/null && runtimes="go node"

printf '3 instances x 2 workers behind nginx (round-robin), %s per phase, %s connections, %s cores\n\n' "$duration" "$conns" "$(nproc)"
printf '%-8s %-8s %10s %10s %10s %10s %12s %8s\n' runtime cache "req/s" "p50 ms" "p99 ms" "hit %" "stale reads" errors
for rt in $runtimes; do
  for cache in none local redis; do
    "$bin" lab scale --runtime "$rt" --cache "$cache" --duration "$duration" --connections "$conns" --json 2>/dev/null |
      jq -r --arg rt "$rt" '[$rt, .cache.mode, (.rps|floor), .latency_ms.p50, .latency_ms.p99,
        (if (.cache.hits + .cache.misses) > 0 then (100 * .cache.hit_ratio | . * 10 | floor / 10) else "-" end),
        (if .cache.stale then "\(.cache.stale.stale)/\(.cache.stale.reads)" else "-" end), .errors] | @tsv' |
      awk -F'\t' '{ printf "%-8s %-8s %10s %10s %10s %10s %12s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
  done
done

echo
printf '%-8s %-8s %10s %10s %10s %12s %10s\n' runtime work "req/s" "p50 ms" "p99 ms" "max depth" "drain s"
for rt in $runtimes; do
  "$bin" lab scale --runtime "$rt" --queue --duration "$duration" --connections "$conns" --json 2>/dev/null |
    jq -r --arg rt "$rt" '.queue as $q |
      [$rt, "inline", ($q.inline.rps|floor), $q.inline.latency_ms.p50, $q.inline.latency_ms.p99, "-", "-"],
      [$rt, "queued", ($q.queued.rps|floor), $q.queued.latency_ms.p50, $q.queued.latency_ms.p99, $q.max_depth, ($q.drain_ms/100|floor/10)] | @tsv' |
    awk -F'\t' '{ printf "%-8s %-8s %10s %10s %10s %12s %10s\n", $1, $2, $3, $4, $5, $6, $7 }'
done
