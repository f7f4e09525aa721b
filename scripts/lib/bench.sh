# shellcheck shell=bash
# What the load benchmarks (bench/drain.sh, bench/metrics.sh) share. Source it after common.sh:
# a work folder ($work), the background processes to stop on exit ($pids: append each one's pid),
# and the test services, started if they were not running and then stopped again.
work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

services_were_running=1
scripts/services status >/dev/null || services_were_running=0
scripts/services start
((services_were_running)) || trap 'cleanup; scripts/services stop' EXIT
