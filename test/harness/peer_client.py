#!/usr/bin/env python3
"""A Unix-socket client that changes after connect(), for the peer identity tests.

usage: peer_client.py SOCKET FIFO (groups | reuse)

groups: connect with supplementary groups 4242 and 4343, drop them, tell FIFO, stay connected 30 s.
reuse:  a child connects and exits; then another program (sleep 30) is made to take the child's pid
        (via /proc/sys/kernel/ns_last_pid, retrying), FIFO is told "<pid> <sleep pid>" (0: no luck).
        The test stops the sleep by the pid it is told.
FIFO is always written, even on failure, so the test blocked on it never hangs.
"""
import os
import socket
import subprocess
import sys
import time

path, fifo, mode = sys.argv[1:4]
message = "failed"
try:
    if mode == "groups":
        os.setgroups([4242, 4343])
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        os.setgroups([])
        message = f"{os.getpid()}"
    else:
        r, w = os.pipe()
        if os.fork() == 0:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            os.write(w, str(os.getpid()).encode())
            os._exit(0)
        connecting = int(os.read(r, 32))
        os.waitpid(connecting, 0)
        sleeper = None
        for _ in range(200):
            with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                f.write(str(connecting - 1))
            candidate = subprocess.Popen(["sleep", "30"])
            if candidate.pid == connecting:
                sleeper = candidate
                break
            candidate.kill()
            candidate.wait()
        message = f"{connecting} {sleeper.pid if sleeper else 0}"
finally:
    with open(fifo, "w") as f:
        f.write(message)
if mode == "groups":
    time.sleep(30)
