#!/usr/bin/env python3
"""A test child that leaves COUNT orphans behind and reports whether they were all reaped.

usage: orphans.py COUNT REPORT_FILE

Each orphan is double-forked: the intermediate process exits at once, so the orphan is re-parented
to djinit (PID 1, or the subreaper), and then exits itself. The child then waits until no zombie
whose parent is djinit is left in /proc, at most 10 s, and writes the number still left.
"""
import os
import sys
import time

count, report = int(sys.argv[1]), sys.argv[2]
supervisor = os.getppid()

for _ in range(count):
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            time.sleep(0.05)  # long enough to be re-parented before exiting
        os._exit(0)
    os.waitpid(pid, 0)


def zombies_of(parent):
    found = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == parent:
            found += 1
    return found


deadline = time.monotonic() + 10
left = zombies_of(supervisor)
while left and time.monotonic() < deadline:
    time.sleep(0.05)
    left = zombies_of(supervisor)
time.sleep(0.2)
with open(report, "w") as out:
    out.write(str(zombies_of(supervisor)))
