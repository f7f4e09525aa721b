#!/usr/bin/env python3
"""A test child that records every signal it receives.

usage: recorder.py RECORD_FILE [--grandchild RECORD_FILE_2]

Appends each received signal's name to RECORD_FILE, one per line, and exits 0 after SIGTERM or
SIGINT. Writes RECORD_FILE.ready once its handlers are installed. With --grandchild it first starts
another recorder (in its own process group, the default for a child of Python) so that tests can
see what reaches a grandchild.
"""
import os
import signal
import subprocess
import sys

RECORDED = [
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTSTP", "SIGTTIN", "SIGTTOU",
    "SIGALRM", "SIGTERM",
]

record_file = sys.argv[1]


def record(signum, _frame):
    name = signal.Signals(signum).name
    with open(record_file, "a") as out:
        out.write(name + "\n")
    if name in ("SIGTERM", "SIGINT"):
        sys.exit(0)


for name in RECORDED:
    signal.signal(getattr(signal, name), record)

if len(sys.argv) == 4 and sys.argv[2] == "--grandchild":
    subprocess.Popen([sys.executable, __file__, sys.argv[3]])

with open(record_file + ".ready", "w") as ready:
    ready.write(str(os.getpid()))

while True:
    signal.pause()
