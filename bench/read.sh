#!/usr/bin/env bash
# Times a repeat `nodedive read` (render cache warm) against glow rendering the
# same lesson text, and against nodedive with the cache off.
# Target (issue 2): the cached read takes under 70% of glow's time.
# Uses hyperfine when installed (apt install hyperfine), else a shell loop.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out; mkdir -p "$out"
go build -o "$out/nodedive" .
go build -o "$out/glowlike" ./bench/glowlike

lesson=${1:-q14}
export NODEDIVE_HOME="$out/home"
# The lesson's markdown body, exactly what nodedive renders.
"$out/nodedive" lessons --json >/dev/null
md="$out/$lesson.md"
awk 'BEGIN{n=0} /^---$/ && n<2 {n++; next} n>=2' "content/lessons/$(ls content/lessons | grep "^$lesson-" | head -1)" > "$md"
printf 'lesson %s: %s bytes of markdown\n' "$lesson" "$(wc -c < "$md")"

glow_cmd="$out/glowlike $md"
glow_name="glowlike (glamour in a fresh process; glow not installed)"
if command -v glow >/dev/null; then
  glow_cmd="glow -s dark -w 80 $md"
  glow_name="glow $(glow --version 2>/dev/null | head -1)"
fi
cached="$out/nodedive read $lesson --style dark --width 80"
uncached="$out/nodedive read $lesson --style dark --width 80 --no-cache"
$cached >/dev/null   # warm the cache

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 5 --runs 40 --export-json "$out/read.json" \
    -n "$glow_name" "$glow_cmd" -n "nodedive read (cached)" "$cached" -n "nodedive read --no-cache" "$uncached"
  python3 - "$out/read.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
names = list(r)
glow, cached = r[names[0]], r["nodedive read (cached)"]
ratio = cached / glow
print(f"\ncached read = {ratio:.0%} of {names[0].split(' (')[0]} ({cached*1000:.1f} ms vs {glow*1000:.1f} ms); target < 70%: {'PASS' if ratio < 0.7 else 'FAIL'}")
PY
else
  t() { local s e; s=$(date +%s%N); for _ in $(seq 30); do $1 >/dev/null; done; e=$(date +%s%N); echo $(( (e - s) / 30000 )); }
  g=$(t "$glow_cmd"); c=$(t "$cached"); u=$(t "$uncached")
  printf '%-60s %6d us\n' "$glow_name" "$g" "nodedive read (cached)" "$c" "nodedive read --no-cache" "$u"
  echo "cached read = $(( c * 100 / g ))% of the baseline; target < 70%"
fi
echo
echo "In-process cost of each path (go test -bench):"
go test ./lessons/render/ -run '^$' -bench . -benchtime 30x | grep -E '^Benchmark'
