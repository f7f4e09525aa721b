#!/usr/bin/env bash
# A rolling update as a load balancer sees it, with and without djinit's drain.
#
# Two instances of the example app behind HAProxy, under wrk's load; a few seconds in, one
# instance gets SIGTERM, as Kubernetes sends it when it replaces a pod. Run twice in one go:
#   djinit:   `djinit run`; HAProxy health-checks GET /readyz on djinit's probe port.
#   gunicorn: a plain `exec gunicorn` entrypoint; HAProxy health-checks GET /health/ through
#             gunicorn itself (the best a plain entrypoint offers).
# The HAProxy configuration is otherwise the same: check every 250 ms, down after 2 failures,
# `retries 0` and no `option redispatch`, so that a refused connection reaches the client instead
# of being hidden by a retry on the other server.
#
# Prints, for each: requests sent, requests failed (non-2xx answers plus connection errors), and
# for djinit the latency of /readyz on the instance that stays, sampled every 50 ms under the load.
#
#   DURATION (30s)   wrk's run;  TERM_AFTER (10)   seconds before the SIGTERM
#   CONNECTIONS (16) wrk's connections;  SCRATCH_PATH (.build)   swift build's folder
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_apt haproxy wrk curl
ensure_venv

duration=${DURATION:-30s}
term_after=${TERM_AFTER:-10}
connections=${CONNECTIONS:-16}
scratch=${SCRATCH_PATH:-.build}

source scripts/lib/bench.sh

log "building djinit"
swift build --product djinit --scratch-path "$scratch" >&2
djinit=$PWD/$scratch/debug/djinit

export DATABASE_URL
DATABASE_URL=$(scripts/services createdb djinit_bench_drain)
(cd docker/example && "$VENV_PY" manage.py migrate --no-input -v 0)



# start_instance KIND APP_PORT PROBE_PORT: starts one instance in the background; $! is its pid.
start_instance() {
  local kind=$1 app=$2 probe=$3
  if [[ $kind == djinit ]]; then
    (cd docker/example && DJINIT_PYTHON=$VENV_PY DJINIT_HTTP_PORT=$app DJINIT_PROBE_PORT=$probe \
      DJINIT_HTTP_WORKERS=2 DJINIT_DRAIN_DELAY=3s DJINIT_LOG_LEVEL=warn \
      exec "$djinit" run >/dev/null 2>>"$work/$kind.log") &
  else
    (cd docker/example && exec "$VENV_PY" -m gunicorn --bind "0.0.0.0:$app" --workers 2 \
      example.wsgi:application >/dev/null 2>>"$work/$kind.log") &
  fi
}

# scenario KIND: one rollout; appends "KIND|sent|failed|errors|p50|p99" to $work/results.
scenario() {
  local kind=$1 frontend a_app a_probe b_app b_probe a b haproxy check_a check_b
  frontend=$(free_port); a_app=$(free_port); a_probe=$(free_port); b_app=$(free_port); b_probe=$(free_port)
  start_instance "$kind" "$a_app" "$a_probe"; a=$!; pids+=("$a")
  start_instance "$kind" "$b_app" "$b_probe"; b=$!; pids+=("$b")
  if [[ $kind == djinit ]]; then
    wait_status "http://127.0.0.1:$a_probe/readyz"
    wait_status "http://127.0.0.1:$b_probe/readyz"
    check="meth GET uri /readyz"
    check_a="$a_app:$a_probe"; check_b="$b_app:$b_probe"
  else
    wait_status "http://127.0.0.1:$a_app/health/"
    wait_status "http://127.0.0.1:$b_app/health/"
    check="meth GET uri /health/ hdr Host localhost"
    check_a="$a_app"; check_b="$b_app"
  fi
  "$REPO/scripts/lib/haproxy-config" "$frontend" "$check" "a=$check_a" "b=$check_b" >"$work/haproxy-$kind.cfg"
  haproxy -f "$work/haproxy-$kind.cfg" -db >"$work/haproxy-$kind.log" 2>&1 &
  haproxy=$!; pids+=("$haproxy")
  wait_status "http://127.0.0.1:$frontend/health/"

  log "$kind: wrk for $duration through HAProxy; SIGTERM to one instance after ${term_after}s"
  local sampler=""
  if [[ $kind == djinit ]]; then
    # Samples until the .run file is removed.
    touch "$work/latencies.run"
    python3 - "$b_probe" "$work/latencies" <<'PY' &
import os, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
samples = []
while os.path.exists(out + ".run"):
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        while s.recv(4096):
            pass
    samples.append(time.perf_counter() - started)
    time.sleep(0.05)
with open(out, "w") as f:
    f.write("\n".join(f"{x:.6f}" for x in samples) + "\n")
PY
    sampler=$!
  fi
  wrk -t 2 -c "$connections" -d "$duration" --timeout 10s "http://127.0.0.1:$frontend/health/" >"$work/wrk-$kind.txt" &
  local wrk_pid=$!
  sleep "$term_after"
  kill -TERM "$a"
  wait "$wrk_pid"
  local status=0
  wait "$a" || status=$?
  log "$kind: the stopped instance exited with $status"
  if [[ -n $sampler ]]; then
    rm -f "$work/latencies.run"
    wait "$sampler"
  fi
  kill -TERM "$b" "$haproxy"
  wait "$b" "$haproxy" 2>/dev/null || true

  local sent non2xx errors p50="-" p99="-"
  sent=$(awk '/requests in/ {print $1}' "$work/wrk-$kind.txt")
  non2xx=$(awk -F: '/Non-2xx or 3xx responses/ {gsub(/ /, "", $2); print $2}' "$work/wrk-$kind.txt")
  errors=$(awk '/Socket errors/ {n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n}' \
    "$work/wrk-$kind.txt")
  if [[ -n $sampler ]]; then
    read -r p50 p99 < <(sort -n "$work/latencies" | awk '{v[NR] = $1} END {
      i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99 + 0.5); if (i99 < 1) i99 = 1
      printf "%.1fms %.1fms\n", v[i50] * 1000, v[i99] * 1000 }')
  fi
  echo "$kind|$sent|$((${non2xx:-0} + ${errors:-0}))|${non2xx:-0} non-2xx, ${errors:-0} connection errors|$p50|$p99" \
    >>"$work/results"
}

scenario djinit
scenario gunicorn

echo
echo "| Entrypoint | Requests sent | Failed | Of which | /readyz p50 | /readyz p99 |"
echo "|---|---|---|---|---|---|"
while IFS='|' read -r kind sent failed detail p50 p99; do
  name=$([[ $kind == djinit ]] && echo '`djinit run`' || echo '`exec gunicorn`')
  echo "| $name | $sent | $failed | $detail | $p50 | $p99 |"
done <"$work/results"
