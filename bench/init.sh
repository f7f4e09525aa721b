#!/usr/bin/env bash
# How fast `djinit init` is, against what images do today, in one run on the example app:
#
#  (a) from PostgreSQL accepting logins to the waiter moving on: djinit's wait (a real login,
#      retried within milliseconds) against a wait-for-it style TCP poll once a second;
#  (b) a whole init with the database up (wait, migrate with nothing to do, collectstatic):
#      djinit, which runs collectstatic beside the wait and migrate, against the sequential shell
#      entrypoint `until pg_isready; do sleep 1; done; migrate; collectstatic`.
#
# Targets: (a) <= 50 ms, (b) <= 0.6x the shell entrypoint. Uses servers of its own (scripts/services
# in a private state folder on free ports) and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
ensure_venv
rounds=${ROUNDS:-5}

djinit=$(scripts/build-release)
work=$(mktemp -d)
chmod 755 "$work"  # the postgres user keeps its data under it
export DJTEST_STATE=$work/services DJTEST_PG_PORT=$(free_port) DJTEST_PGBOUNCER_PORT=$(free_port) DJTEST_REDIS_PORT=$(free_port)
trap '"$REPO/scripts/services" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
scripts/services start >/dev/null
url=$(scripts/services createdb bench_init)
pg_log=$DJTEST_STATE/pg/postgres.log
export DATABASE_URL=$url DJINIT_PYTHON=$VENV_PY DJANGO_STATIC_ROOT=$work/static
cd docker/example
"$VENV_PY" manage.py migrate --noinput -v 0

log "(a) PostgreSQL accepting logins -> the waiter proceeds, $rounds rounds"
: > "$work/a.tsv"
for ((round = 1; round <= rounds; round++)); do
  "$REPO/scripts/services" pg-stop >/dev/null
  DJINIT_LOG_FORMAT=json DJINIT_COLLECTSTATIC=false "$djinit" init 2> "$work/djinit.json" >/dev/null &
  djinit_pid=$!
  ( until (exec 3<>"/dev/tcp/127.0.0.1/$DJTEST_PG_PORT") 2>/dev/null; do sleep 1; done
    date +%s.%N > "$work/tcp.time" ) &
  tcp_pid=$!
  sleep 0.7
  "$REPO/scripts/services" pg-start >/dev/null
  wait "$djinit_pid" "$tcp_pid"
  python3 - "$pg_log" "$work/djinit.json" "$work/tcp.time" >> "$work/a.tsv" <<'PY'
import datetime, json, sys
ready = [line for line in open(sys.argv[1]) if "ready to accept connections" in line][-1]
stamp = " ".join(ready.split()[:2])  # log_line_prefix %m: 2026-11-22 02:30:01.123
pg = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
event = next(json.loads(l) for l in open(sys.argv[2]) if '"db-ready"' in l)
djinit = datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
tcp = float(open(sys.argv[3]).read())
print(f"{(djinit - pg) * 1000:.1f}\t{(tcp - pg) * 1000:.1f}")
PY
done

log "(b) a whole init with the database up, $rounds rounds each, interleaved"
shell_entrypoint() {
  until pg_isready -q -h 127.0.0.1 -p "$DJTEST_PG_PORT"; do sleep 1; done
  "$VENV_PY" manage.py migrate --noinput -v 0 && "$VENV_PY" manage.py collectstatic --noinput -v 0
}
now() { date +%s.%N; }
: > "$work/b.tsv"
for ((round = 1; round <= rounds; round++)); do
  rm -rf "$work/static"
  start=$(now); "$djinit" init >/dev/null 2>&1; middle=$(now)
  rm -rf "$work/static"
  shell_entrypoint >/dev/null 2>&1; end=$(now)
  echo -e "$(echo "($middle - $start) * 1000" | bc)\t$(echo "($end - $middle) * 1000" | bc)" >> "$work/b.tsv"
done

python3 - "$work/a.tsv" "$work/b.tsv" <<'PY'
import statistics, sys
a = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
b = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
med = statistics.median
print()
print("(a) PostgreSQL accepts logins -> waiter proceeds (ms; negative: proceeded before logins worked)")
print(f"    {'waiter':<34}{'median':>10}{'max':>10}  rounds")
print(f"    {'djinit init (real login)':<34}{med(x for x, _ in a):>10.1f}{max(x for x, _ in a):>10.1f}  {len(a)}")
print(f"    {'TCP poll every 1 s (wait-for-it)':<34}{med(y for _, y in a):>10.1f}{max(y for _, y in a):>10.1f}  {len(a)}")
print()
print("(b) whole init, database up: wait + migrate (nothing to do) + collectstatic (ms)")
dj, sh = med(x for x, _ in b), med(y for _, y in b)
print(f"    {'djinit init':<34}{dj:>10.0f}")
print(f"    {'sequential shell entrypoint':<34}{sh:>10.0f}")
print(f"    ratio {dj / sh:.2f}x")
print()
print(f"targets: (a) <= 50 ms: median {med(x for x, _ in a):.1f} ms; (b) <= 0.60x: {dj / sh:.2f}x")
PY
