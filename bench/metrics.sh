#!/usr/bin/env bash
# What `djinit run`'s request metrics cost, how well they count, and how fast saturation shows.
#
# Cost: the example app's /health/ under wrk, straight to gunicorn (no proxy), two sync workers,
# in interleaved rounds of four setups, so that a burst of load on this shared machine lands on
# each alike:
#   djinit run                 metrics on (the default) and gunicorn's access log to stdout
#   djinit run, metrics off    DJINIT_HTTP_METRICS=false
#   djinit run, no access log  DJINIT_HTTP_ACCESS_LOG=false
#   exec gunicorn              the same workers and access log, no djinit, no statsD
#   exec gunicorn, statsD      the same, sending statsD to a UDP socket that nobody reads: what
#                              gunicorn's own sending costs, apart from djinit's receiving
# For each: requests per second and p99 latency (medians over the rounds), and djinit's own CPU
# time per 10,000 requests (utime + stime from /proc, so statsD parsing and the /proc sampling).
#
# Accuracy: the requests djinit counted (djinit_http_requests_total) against wrk's count, and the
# datagrams lost. wrk stops with requests in flight, which gunicorn finishes and counts: the two
# may differ by up to the connection count.
#
# Saturation: two workers, six requests to /slow/?seconds=4 at once, /metrics read every 50 ms:
# how long until utilisation reads 1 and the backlog is above 0, and how long after the last
# request ended until both read 0.
#
#   ROUNDS (3)  DURATION (5s)  CONNECTIONS (16)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_apt wrk curl
ensure_venv

rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
connections=${CONNECTIONS:-16}

source scripts/lib/bench.sh

log "building djinit (release, fully static)"
djinit=$(scripts/build-release)

export DATABASE_URL
DATABASE_URL=$(scripts/services createdb djinit_bench_metrics)
(cd docker/example && "$VENV_PY" manage.py migrate --no-input -v 0)



# cpu_ticks PID: the process's own user + system time, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# requests_counted PROBE_PORT: the sum of djinit_http_requests_total.
requests_counted() {
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^djinit_http_requests_total\{/ {n += $2} END {printf "%d\n", n}'
}

# metric PROBE_PORT NAME: one sample's value, or nothing.
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v name="$2" '$1 == name {print $2}'; }

# start SETUP APP_PORT PROBE_PORT [ENV...]: one instance in the background; $! is its pid.
start() {
  local setup=$1 app=$2 probe=$3
  shift 3
  if [[ $setup == gunicorn* ]]; then
    local statsd=()
    [[ $setup == gunicorn-statsd ]] && statsd=(--statsd-host "127.0.0.1:$sink_port")
    (cd docker/example && exec "$VENV_PY" -m gunicorn --bind "0.0.0.0:$app" --workers 2 --access-logfile - \
      "${statsd[@]}" example.wsgi:application >/dev/null 2>>"$work/$setup.log") &
  else
    (cd docker/example && exec env DJINIT_PYTHON="$VENV_PY" DJINIT_HTTP_PORT="$app" DJINIT_PROBE_PORT="$probe" \
      DJINIT_HTTP_WORKERS=2 DJINIT_LOG_LEVEL=warn "$@" "$djinit" run >/dev/null 2>>"$work/$setup.log") &
  fi
}

setups=(
  "djinit|"
  "metrics-off|DJINIT_HTTP_METRICS=false"
  "no-access-log|DJINIT_HTTP_ACCESS_LOG=false"
  "gunicorn|"
  "gunicorn-statsd|"
)

# A UDP socket that is bound and never read: gunicorn's datagrams go to its buffer, then are dropped.
sink_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(86400)' "$sink_port" &
pids+=("$!")

# one_run SETUP ENV: appends "SETUP|requests/s|p99 ms|djinit CPU ms per 10k|counted|sent|dropped" to results.
one_run() {
  local setup=$1 env=$2 app probe pid before after counted_before counted="-" dropped="-" cpu="-"
  app=$(free_port); probe=$(free_port)
  # shellcheck disable=SC2086
  start "$setup" "$app" "$probe" $env
  pid=$!; pids+=("$pid")
  wait_status "http://127.0.0.1:$app/health/"
  [[ $setup == gunicorn* ]] || wait_status "http://127.0.0.1:$probe/readyz"
  # Warm up, so that each worker has imported the view and opened its database connection.
  wrk -t 2 -c "$connections" -d 1s "http://127.0.0.1:$app/health/" >/dev/null
  if [[ $setup != gunicorn* ]]; then
    sleep 0.5
    counted_before=$(requests_counted "$probe")
    before=$(cpu_ticks "$pid")
  fi
  wrk -t 2 -c "$connections" -d "$duration" --latency "http://127.0.0.1:$app/health/" >"$work/wrk.txt"
  local sent rate p99
  sent=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  rate=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) sub(/ms$/, "", v);
    else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; print v}' "$work/wrk.txt")
  if [[ $setup != gunicorn* ]]; then
    after=$(cpu_ticks "$pid")
    cpu=$(awk -v t=$((after - before)) -v n="$sent" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t * 1000 / hz / n * 10000}')
    if [[ $setup != metrics-off ]]; then
      sleep 0.5
      counted=$(($(requests_counted "$probe") - counted_before))
      dropped=$(metric "$probe" 'djinit_statsd_datagrams_total{result="dropped"}')
    fi
  fi
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$setup|$rate|$p99|$cpu|$counted|$sent|$dropped" >>"$work/results"
}

for ((round = 1; round <= rounds; round++)); do
  for entry in "${setups[@]}"; do
    IFS='|' read -r setup env <<<"$entry"
    log "round $round/$rounds: $setup"
    one_run "$setup" "$env"
  done
done

log "saturation: two workers, six slow requests"
app=$(free_port); probe=$(free_port)
start djinit "$app" "$probe"
pid=$!; pids+=("$pid")
wait_status "http://127.0.0.1:$probe/readyz"
python3 - "$app" "$probe" >"$work/saturation" <<'PY'
import sys, threading, time, urllib.request
app, probe = sys.argv[1], sys.argv[2]

def sample():
    values = {}
    for line in urllib.request.urlopen(f"http://127.0.0.1:{probe}/metrics", timeout=5).read().decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values.get("djinit_gunicorn_worker_utilization"), values.get("djinit_http_backlog")

def request():
    urllib.request.urlopen(f"http://127.0.0.1:{app}/slow/?seconds=4", timeout=60).read()

clients = [threading.Thread(target=request) for _ in range(6)]
started = time.perf_counter()
for client in clients:
    client.start()
saturated = None
while saturated is None and time.perf_counter() - started < 10:
    utilization, backlog = sample()
    if utilization == 1 and (backlog or 0) > 0:
        saturated = time.perf_counter() - started
    time.sleep(0.05)
for client in clients:
    client.join()
ended = time.perf_counter()
idle = None
while idle is None and time.perf_counter() - ended < 10:
    utilization, backlog = sample()
    if utilization == 0 and backlog == 0:
        idle = time.perf_counter() - ended
    time.sleep(0.05)
show = lambda s: "never" if s is None else f"{s:.2f} s"
print(f"{show(saturated)}|{show(idle)}")
PY
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true

python3 - "$work/results" "$work/saturation" "$rounds" "$duration" "$connections" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]).read().split("\n"):
    if line:
        setup, rate, p99, cpu, counted, sent, dropped = line.split("|")
        rows.setdefault(setup, []).append((float(rate), float(p99), cpu, counted, int(sent), dropped))
names = {
    "djinit": "`djinit run` (metrics on)",
    "metrics-off": "`djinit run`, `DJINIT_HTTP_METRICS=false`",
    "no-access-log": "`djinit run`, `DJINIT_HTTP_ACCESS_LOG=false`",
    "gunicorn": "`exec gunicorn` (same workers, access log)",
    "gunicorn-statsd": "`exec gunicorn`, statsD sent to a socket nobody reads",
}
print(f"{sys.argv[3]} interleaved rounds of wrk -c {sys.argv[5]} -d {sys.argv[4]} on /health/, 2 sync workers; medians")
print()
print("| Setup | Requests/s | p99 | djinit CPU per 10k requests |")
print("|---|---|---|---|")
for setup, runs in rows.items():
    cpu = [float(r[2]) for r in runs if r[2] != "-"]
    cpu_text = f"{statistics.median(cpu):.0f} ms" if cpu else "-"
    print(f"| {names[setup]} | {statistics.median(r[0] for r in runs):,.0f} | "
          f"{statistics.median(r[1] for r in runs):.1f} ms | {cpu_text} |")
print()
print("| Run | Requests wrk saw | Requests djinit counted | Datagrams dropped |")
print("|---|---|---|---|")
for setup in ("djinit", "no-access-log"):
    for index, run in enumerate(rows.get(setup, []), 1):
        print(f"| {names[setup]}, round {index} | {run[4]:,} | {int(run[3]):,} | {run[5]} |")
saturated, idle = open(sys.argv[2]).read().strip().split("|")
print()
print("| Saturation (2 workers, 6 requests of 4 s) | Time |")
print("|---|---|")
print(f"| until utilisation reads 1 and the backlog > 0 | {saturated} |")
print(f"| after the last request, until both read 0 | {idle} |")
PY
