#!/usr/bin/env bash
# PID-1 footprint: djinit against tini and dumb-init, measured in one run on this machine.
#
# For each init: the stripped binary's size, the init's own resident memory while it supervises
# `sleep` (VmRSS from /proc/PID/status of the init itself; /usr/bin/time would report the child),
# the instructions it executes to start, spawn /bin/true, reap it and exit (valgrind's callgrind,
# with an empty environment: the count is the same on any machine, however busy, and it grows
# with every environment variable), and the median wall time of the same (hyperfine, no shell).
#
# Two more rows frame the release build (Embedded Swift, fully static): the same djinit on the
# full Swift runtime, fully static, and that runtime's floor,
# a static Swift program that only spawns and reaps (bench/floor/main.swift).
#
# Start-up matters beyond PID 1: `djinit probe ready` runs as an exec probe every few seconds in
# every pod. The second table measures it against a running HTTP server, beside curl, the usual
# exec probe.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_apt tini dumb-init hyperfine binutils valgrind curl

runs=${RUNS:-300}
rounds=${ROUNDS:-5}
work=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

log "building djinit (release: Embedded Swift, fully static)"
static=$(scripts/build-release)
log "building djinit on the full Swift runtime (fully static) for comparison"
# DJINIT_PACKAGE=djinit-kube: the package without the tests, and without Embedded Swift.
DJINIT_PACKAGE=djinit-kube swift build -c release --product djinit --scratch-path .build-release-full \
  --static-swift-stdlib -Xswiftc -static-executable -Xswiftc -L"$(scripts/build-libpq)" \
  -Xswiftc -cross-module-optimization \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors >&2
full=$PWD/.build-release-full/release/djinit
log "building the full runtime's floor (a static Swift program that only spawns and reaps)"
swiftc -O -static-executable bench/floor/main.swift -o "$work/floor" 2>/dev/null

# name | binary | arguments before the command
inits=(
  "djinit|$static|exec --"
  "djinit on the full Swift runtime|$full|exec --"
  "full Swift runtime floor|$work/floor|"
  "tini (Debian)|$(command -v tini)|-s --"
  "tini-static|$(command -v tini-static)|-s --"
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

# Every command runs with a fixed environment, nothing of this shell's: the variables below
# (the probe's port), and PATH for hyperfine and valgrind themselves.
instructions() { # environment assignment (or ""), command...: callgrind's count
  local assignment=$1; shift
  env -i PATH=/usr/bin:/bin $assignment "$@" >/dev/null 2>&1 || die "$* failed before it was measured"
  env -i PATH=/usr/bin:/bin $assignment valgrind --tool=callgrind --callgrind-out-file="$work/callgrind" "$@" \
    2>&1 >/dev/null | awk '/Collected :/ {print $NF}'
}

median_times() { # file to append to, environment assignment (or ""), command: one hyperfine run's samples
  local out=$1 assignment=$2 command=$3
  env -i PATH=/usr/bin:/bin $assignment hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/h.json" \
    "$command" >/dev/null 2>&1
  python3 -c 'import json,sys; print("\n".join(str(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' \
    "$work/h.json" >> "$out"
}

# Size, RSS and instructions once each; wall time in interleaved rounds, so that a burst of load
# on this shared machine lands on every init alike instead of on whichever was being timed.
# Every binary is measured stripped, as images ship it (valgrind cannot read the debug information
# of a SwiftPM Embedded build anyway).
for i in "${!inits[@]}"; do
  IFS='|' read -r name bin prefix <<<"${inits[$i]}"
  cp "$bin" "$work/bin.$i" && strip "$work/bin.$i"
  inits[i]="$name|$work/bin.$i|$prefix"
done
static=$work/bin.0

printf '%s\n' "name|stripped_bytes|rss_kib|times_file|instructions" > "$work/rows"
for i in "${!inits[@]}"; do
  IFS='|' read -r name bin prefix <<<"${inits[$i]}"
  size=$(stat -c %s "$bin")
  rss=- # the floor supervises nothing
  # shellcheck disable=SC2086
  [[ $name == "full Swift runtime floor" ]] || rss=$(own_rss_kib "$bin" $prefix)
  # shellcheck disable=SC2086
  echo "$name|$size|$rss|$work/times.$i|$(instructions "" "$bin" $prefix /bin/true)" >> "$work/rows"
done

# The probe: a server answering /readyz 200 on a port of its own.
port=$(free_port)
mkdir -p "$work/www" && echo ok > "$work/www/readyz"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
server=$!
wait_status "http://127.0.0.1:$port/readyz"
# name | environment | command
probes=(
  "djinit probe ready|DJINIT_PROBE_PORT=$port|$static probe ready"
  "curl -f||$(command -v curl) -fsS -o /dev/null http://127.0.0.1:$port/readyz"
)
printf '%s\n' "name|times_file|instructions" > "$work/probe-rows"
for i in "${!probes[@]}"; do
  IFS='|' read -r name assignment command <<<"${probes[$i]}"
  # shellcheck disable=SC2086
  echo "$name|$work/probe-times.$i|$(instructions "$assignment" $command)" >> "$work/probe-rows"
done

for ((round = 1; round <= rounds; round++)); do
  for i in "${!inits[@]}"; do
    IFS='|' read -r name bin prefix <<<"${inits[$i]}"
    median_times "$work/times.$i" "" "$bin $prefix /bin/true"
  done
  for i in "${!probes[@]}"; do
    IFS='|' read -r name assignment command <<<"${probes[$i]}"
    median_times "$work/probe-times.$i" "$assignment" "$command"
  done
done

python3 - "$work/rows" "$work/probe-rows" "$rounds" "$runs" <<'PY'
import statistics
import sys

def median_ms(path):
    return statistics.median(float(t) * 1000 for t in open(path).read().split())

def rows(path):
    return [line.split("|") for line in open(path).read().split("\n")[1:] if line]

inits = [(name, int(size), rss, median_ms(times), int(count)) for name, size, rss, times, count in rows(sys.argv[1])]
tini = next(r for r in inits if r[0] == "tini (Debian)")[3]
print(f"{sys.argv[3]} interleaved rounds of {sys.argv[4]} runs each; instructions from callgrind with env -i")
print()
print("| `... /bin/true` | stripped size | own RSS | instructions | start + spawn + exit (median) | vs tini |")
print("|---|---|---|---|---|---|")
for name, size, rss, median, count in inits:
    rss_text = f"{int(rss) / 1024:.2f} MB" if rss != "-" else "-"
    print(f"| {name} | {size / 1e6:.2f} MB | {rss_text} | {count:,} | {median:.3f} ms | {median / tini:.2f}x |")
print()
print("| exec probe, server answering | instructions | wall time (median) |")
print("|---|---|---|")
for name, times, count in rows(sys.argv[2]):
    print(f"| {name} | {int(count):,} | {median_ms(times):.3f} ms |")
name, size, rss, median, count = inits[0]
floor = next(r for r in inits if r[0] == "full Swift runtime floor")
print()
print("targets for djinit: at most 250,000 instructions, start-up <= 1.1x tini, own RSS <= 6 MB, stripped size <= 9 MB")
print(f"  {count:,} instructions, start-up {median / tini:.2f}x tini, RSS {int(rss) / 1024:.2f} MB, "
      f"size {size / 1e6:.2f} MB (the full runtime's floor alone: {floor[4]:,} instructions, {floor[1] / 1e6:.2f} MB)")
PY
