#!/usr/bin/env python3
"""Runs argv[1:] as a child-subreaper: processes orphaned below it (audisp-remote, when auditd exits without
waiting for it) are reparented here, told to stop (SIGTERM, by the pid we find as our own child) and reaped,
instead of lingering as zombies. Forwards SIGTERM/SIGINT/SIGHUP to the child; exits with its status."""
import ctypes, os, signal, sys

PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
child = os.fork()
if child == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, lambda s, _f: os.kill(child, s))


def adopted():
    """Pids whose parent is now us (orphans reparented to this subreaper)."""
    me, found = os.getpid(), []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                stat = open(f'/proc/{name}/stat').read()
                if int(stat[stat.rindex(')') + 2:].split()[1]) == me:
                    found.append(int(name))
            except (OSError, ValueError):
                pass
    return found


status = 0
while True:
    try:
        pid, st = os.wait()
    except ChildProcessError:
        break
    except InterruptedError:
        continue
    if pid == child:
        status = os.waitstatus_to_exitcode(st)
        for orphan in adopted():
            os.kill(orphan, signal.SIGTERM)
sys.exit(status if status >= 0 else 128 - status)
