#!/usr/bin/env bash
# PID-1 footprint: djinit against tini and dumb-init, measured in one run on this machine.
#
# For each init: the stripped binary's size, the init's own resident memory while it supervises
# `sleep` (VmRSS from /proc/PID/status of the init itself; /usr/bin/time would report the child),
# the instructions it executes to start, spawn /bin/true, reap it and exit (valgrind's callgrind,
# with an empty environment: the count is the same on any machine, however busy, and it grows
# with every environment variable), and the median wall time of the same (hyperfine, no shell).
# Start-up matters beyond PID 1: `djinit probe` runs as an exec probe every few seconds in every pod.
#
# Also measures djinit linked dynamically (static Swift stdlib only), to show why the release
# build is fully static.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_apt tini dumb-init hyperfine binutils valgrind

runs=${RUNS:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "building djinit (release, fully static)"
static=$(scripts/build-release)
log "building djinit (release, dynamic glibc, static Swift stdlib) for comparison"
swift build -c release --product djinit --scratch-path .build-release-dynamic --static-swift-stdlib >&2
dynamic=$PWD/.build-release-dynamic/release/djinit

# name | binary | argument prefix before the command
inits=(
  "djinit|$static|exec --"
  "djinit (dynamic)|$dynamic|exec --"
  "tini|$(command -v tini)|-s --"
  "dumb-init|$(command -v dumb-init)|"
)

own_rss_kib() { # binary, prefix...: the init's own VmRSS while it supervises sleep
  local bin=$1; shift
  "$bin" "$@" sleep 30 2>/dev/null &
  local pid=$!
  sleep 0.5
  local rss
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$rss"
}

# Size and RSS once each; start-up in interleaved rounds, so that a burst of load on this shared
# machine lands on every init alike instead of on whichever was being timed.
printf '%s\n' "name|stripped_bytes|rss_kib|times_file|instructions" > "$work/rows"
for i in "${!inits[@]}"; do
  IFS='|' read -r name bin prefix <<<"${inits[$i]}"
  cp "$bin" "$work/bin" && strip "$work/bin"
  size=$(stat -c %s "$work/bin")
  # shellcheck disable=SC2086
  rss=$(own_rss_kib "$bin" $prefix)
  # shellcheck disable=SC2086
  instructions=$(env -i valgrind --tool=callgrind --callgrind-out-file="$work/callgrind" "$bin" $prefix /bin/true 2>&1 \
    | awk '/Collected :/ {print $NF}')
  echo "$name|$size|$rss|$work/times.$i|$instructions" >> "$work/rows"
done
rounds=${ROUNDS:-5}
for ((round = 1; round <= rounds; round++)); do
  for i in "${!inits[@]}"; do
    IFS='|' read -r name bin prefix <<<"${inits[$i]}"
    # shellcheck disable=SC2086
    hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/h.json" "$bin $prefix /bin/true" >/dev/null 2>&1
    python3 -c 'import json,sys; print("\n".join(str(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' \
      "$work/h.json" >> "$work/times.$i"
  done
done

python3 - "$work/rows" "$rounds" "$runs" <<'PY'
import statistics
import sys
rows = []
for line in open(sys.argv[1]).read().split("\n")[1:]:
    if line:
        name, size, rss, times, instructions = line.split("|")
        samples = [float(t) * 1000 for t in open(times).read().split()]
        rows.append((name, int(size), int(rss), statistics.median(samples), int(instructions)))
tini = next(r for r in rows if r[0] == "tini")[3]
print(f"{sys.argv[2]} interleaved rounds of {sys.argv[3]} runs each; instructions from callgrind with env -i")
print()
print("| init | stripped size | own RSS | instructions | start + spawn + exit (median) | vs tini |")
print("|---|---|---|---|---|---|")
for name, size, rss, median, instructions in rows:
    print(f"| {name} | {size / 1e6:.2f} MB | {rss / 1024:.2f} MB | {instructions:,} | {median:.3f} ms | {median / tini:.2f}x |")
_, size, rss, median, instructions = rows[0]
print()
print("targets for djinit: at most 250,000 instructions, start-up <= 1.1x tini, own RSS <= 6 MB, stripped size <= 9 MB")
print(f"  {instructions:,} instructions, start-up {median / tini:.2f}x tini, RSS {rss / 1024:.2f} MB, size {size / 1e6:.2f} MB")
PY
