#!/usr/bin/env python3
"""Socket activation as systemd does it: bind and listen on an AF_UNIX stream socket at argv[1] (mode
argv[2], octal), pass it as fd 3 with LISTEN_PID (our pid, kept across exec) and LISTEN_FDS=1, then exec
argv[3:]."""
import os, socket, sys

path, mode, command = sys.argv[1], int(sys.argv[2], 8), sys.argv[3:]
if os.path.exists(path):
    os.unlink(path)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind(path)
os.chmod(path, mode)
sock.listen(128)
if sock.fileno() != 3:
    os.dup2(sock.fileno(), 3)
os.set_inheritable(3, True)  # dup2(3, 3) is a no-op that would leave the socket close-on-exec
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execvp(command[0], command)
