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
  for s in "$work"/*.sock; do [ -e "$s" ] && tmux -S "$s" kill-server >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/nodedive" .
export NODEDIVE_HOME="$work/home"

# scene NAME WIDTH HEIGHT WAIT-FOR KEYS... : one screenshot.
scene() {
  local name=$1 w=$2 h=$3 want=$4; shift 4
  local sock="$work/$name.sock"
  tmux -S "$sock" new-session -d -s shot -x "$w" -y "$h" "COLORTERM=truecolor $work/nodedive"
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
  # tmux re-encodes "default background" as SGR 49, which freeze draws as
  # the previous background; spell it out as freeze's window colour. The
  # blank line keeps freeze from dropping the footer line.
  { tmux -S "$sock" capture-pane -e -p -t shot | sed $'s/\x1b\\[49m/\x1b[48;2;23;23;23m/g'; echo; } > "$work/$name.ans"
  $FREEZE "$work/$name.ans" --language ansi --window --padding 20 --font.size 7 --output "assets/$name.png" >/dev/null
  tmux -S "$sock" kill-server >/dev/null 2>&1 || true
  echo "assets/$name.png"
}

only=${1:-}
run() { if [ -z "$only" ] || [ "$only" = "$1" ]; then scene "$@"; fi; }

# A little progress first, so the bars and "continue" have something to show.
run reader 120 34 "Contents" 4 "]" "]" "]" "j" "j"
run home 100 28 "LESSONS" 
run search 100 28 "matches" / "text:keep-alive"
run help 100 28 "Keys" 4 "?"
