#!/usr/bin/env bash
# Makes the README's screenshots from the real app: runs nodedive in a
# detached tmux session, drives it with keys, captures the pane with its
# colours, and renders each capture to PNG with charmbracelet/freeze.
#
#   assets/screenshots.sh            # all scenes
#   assets/screenshots.sh reader     # one scene
#
# Needs tmux; freeze is fetched with `go run` (pinned below).
set -euo pipefail
cd "$(dirname "$0")/.."
FREEZE="go run github.com/charmbracelet/freeze@v0.2.2"
work=$(mktemp -d)
cleanup() {
  for s in "$work"/*.sock; do [ -e "$s" ] && tmux -S "$s" kill-server >/dev/null 2>&1 || true; done
  rm -rf "$work"
  true
}
trap cleanup EXIT
go build -o "$work/nodedive" .
export NODEDIVE_HOME="$work/home"

# scene NAME WIDTH HEIGHT WAIT-FOR ARGS KEYS... : one screenshot of
# `nodedive ARGS` after the keys (text:... types text, sleep:N waits).
scene() {
  local name=$1 w=$2 h=$3 want=$4 args=$5; shift 5
  local sock="$work/$name.sock"
  tmux -S "$sock" new-session -d -s shot -x "$w" -y "$h" "COLORTERM=truecolor $work/nodedive $args"
  sleep 0.8
  for k in "$@"; do
    case $k in
      sleep:*) sleep "${k#sleep:}" ;;
      text:*) tmux -S "$sock" send-keys -t shot -l "${k#text:}" ;;
      *) tmux -S "$sock" send-keys -t shot "$k" ;;
    esac
    sleep 0.15
  done
  for _ in $(seq 50); do
    tmux -S "$sock" capture-pane -p -t shot | grep -qF -- "$want" && break
    sleep 0.1
  done
  # tmux re-encodes "default colour" as SGR 39/49, which freeze draws as
  # the previous colour; spell them out as a terminal's defaults. The
  # blank line keeps freeze from dropping the footer line.
  { tmux -S "$sock" capture-pane -e -p -t shot |
      sed -e $'s/\x1b\\[49m/\x1b[48;2;23;23;23m/g' -e $'s/\x1b\\[39m/\x1b[38;2;220;220;220m/g'; echo; } > "$work/$name.ans"
  $FREEZE "$work/$name.ans" --language ansi --window --padding 20 --font.size 7 --output "assets/$name.png" >/dev/null
  tmux -S "$sock" kill-server >/dev/null 2>&1 || true
  echo "assets/$name.png"
}

only=${1:-}
run() { if [ -z "$only" ] || [ "$only" = "$1" ]; then scene "$@"; fi; }

# A little progress first, so the bars and "continue" have something to show.
run reader 120 34 "Contents" "" 4 "]" "]" "]" "j" "j"
run home 100 28 "LESSONS" ""
run search 100 28 "matches" "" / "text:keep-alive"
run help 100 28 "Keys" "" 4 "?"
run quiz 110 44 "Model answer" "quiz --mock" \
  "text:require is CommonJS and synchronous and caches module.exports. import is ES modules, static and hoisted, so bundlers can tree-shake it. import() returns a promise. require is async in the browser." C-s
run lab-cluster 110 36 "respawned" "" G Enter j j j Enter sleep:2 s sleep:3 x sleep:2
run lab-emitter 110 36 "Node.js v" "" G Enter j Enter 3 n
run lab-modules 120 36 "node printed" "" G Enter Enter j j j p "text:hello" C-r sleep:2
run lab-secure 120 40 "Express app http" "" G Enter G Enter sleep:3 e sleep:12 a sleep:25
run lab-scale 120 36 "healthy" "" G Enter j j Enter sleep:6 l sleep:3 j x sleep:3
# Exercises sits above Labs; events-once is the fifth exercise (after the
# three modules ones and the bank account): start it, verify the scaffold.
run exercise 140 42 "checks pass on node" "" G k Enter j j j j Enter sleep:1 s sleep:1 v sleep:8
