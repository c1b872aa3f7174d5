#!/usr/bin/env python3
"""A fake systemd NOTIFY_SOCKET: binds an AF_UNIX datagram socket at argv[1] and prints every message it
receives as one JSON line (with the sender's pid from SCM_CREDENTIALS), until SIGTERM or argv[2] seconds."""
import json, os, signal, socket, struct, sys

path, limit = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
signal.signal(signal.SIGTERM, lambda *_: (os.unlink(path), sys.exit(0)))
signal.alarm(int(limit))
print(json.dumps({"ready": True}), flush=True)
while True:
    data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    print(json.dumps({"pid": pid, "message": data.decode()}), flush=True)
