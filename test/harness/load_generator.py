#!/usr/bin/env python3
"""Records of the kernel and of another program at RATE per second, each numbered N from 0:
- a SYSCALL record: getpriority(PRIO_PROCESS, BASE + N) fails (no such process) and is caught by the
  audit rule load.ts adds (a1 >= 0x10000000), so a1 carries BASE + N (BASE differs per run);
- a USER_AUTH record written over netlink as PAM would, carrying `artag=TAG arn=N`.
Stops on SIGTERM or after LIMIT seconds (bounded whatever happens to the test); prints how many it wrote."""
import os, signal, socket, struct, sys, time

rate, limit, tag, base = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
NETLINK_AUDIT, AUDIT_USER_AUTH, NLM_F_REQUEST_ACK = 9, 1100, 0x5
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
sock.bind((0, 0))
stop = False


def term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, term)


def user_record(n):
    text = (f'op=PAM:authentication grantors=pam_unix acct="root" exe="/usr/sbin/loadgen" '
            f'hostname=? addr=? terminal=? res=success artag={tag} arn={n}').encode() + b'\0'
    sock.send(struct.pack('=IHHII', 16 + len(text), AUDIT_USER_AUTH, NLM_F_REQUEST_ACK, n + 1, 0) + text)
    sock.recv(8192)  # the kernel's ack


n = 0
start = time.monotonic()
while not stop and time.monotonic() - start < limit:
    try:
        os.getpriority(os.PRIO_PROCESS, base + n)
    except OSError:
        pass
    user_record(n)
    n += 1
    delay = start + n / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(n, flush=True)
