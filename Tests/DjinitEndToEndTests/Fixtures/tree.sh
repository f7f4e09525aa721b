#!/bin/sh
# A test child that leaves two processes behind when it exits, for the tree drain:
#   a "finisher" that needs 1 s after SIGTERM to finish its work, and writes DIR/finished;
#   a "stubborn" one that ignores SIGTERM and must be killed.
# usage: tree.sh DIR [--no-stubborn]
dir=$1
python3 -c '
import signal, sys, time
def finish(*_):
    time.sleep(1)
    open(sys.argv[1] + "/finished", "w").write("done")
    sys.exit(0)
signal.signal(signal.SIGTERM, finish)
open(sys.argv[1] + "/finisher.ready", "w").close()
while True: signal.pause()
' "$dir" &
if [ "${2:-}" = --no-stubborn ]; then
  touch "$dir/stubborn.ready"
else
  python3 -c '
import signal, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(sys.argv[1] + "/stubborn.ready", "w").close()
while True: signal.pause()
' "$dir" &
fi
while [ ! -e "$dir/finisher.ready" ] || [ ! -e "$dir/stubborn.ready" ]; do sleep 0.02; done
exit 0
