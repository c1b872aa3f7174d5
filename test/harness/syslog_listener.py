#!/usr/bin/env python3
"""A /dev/log for one private mount namespace: auditd -n and audisp-remote report only through syslog(3), and
this machine runs no syslog daemon. Binds argv[1] (a datagram socket), appends one line per message to
argv[2], and exits when its parent (the daemon it serves) exits."""
import ctypes, os, signal, socket, sys

PR_SET_PDEATHSIG = 1
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
signal.signal(signal.SIGTERM, lambda _s, _f: sys.exit(0))
path, out = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    os.unlink(path)  # left by an earlier run of the same daemon in this overlay
except FileNotFoundError:
    pass
sock.bind(path)
with open(out, 'ab', buffering=0) as log:
    while True:
        data = sock.recv(65536)
        log.write(data.rstrip(b'\0\n') + b'\n')
