/**
 * TCP options Node does not expose, set on a connected socket's fd (libc setsockopt, tcp(7)): how long
 * sent data may stay unacknowledged before the kernel drops the connection (TCP_USER_TIMEOUT), and
 * keepalive probes that find a dead peer on an idle connection (SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT).
 * Without them a connection whose path died holds its data for the ~15 minutes of tcp_retries2, or for
 * ever when idle.
 */
import { lastErrno, lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

const SOL_SOCKET = 1;
const SO_KEEPALIVE = 9;
const IPPROTO_TCP = 6;
const TCP_KEEPIDLE = 4;
const TCP_KEEPINTVL = 5;
const TCP_KEEPCNT = 6;
const TCP_USER_TIMEOUT = 18;

interface Bindings {
  setsockopt: (fd: number, level: number, name: number, value: Int32Array, length: number) => number;
}

const bindings = lazy((): Bindings => {
  const libc = loadLibrary(['libc.so.6'], 'AUDITRELAY_LIBC');
  return {
    setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t length)'),
  };
});

export interface DeadPeerTimeouts {
  /** Most milliseconds sent data may stay unacknowledged (TCP_USER_TIMEOUT). */
  readonly unackedMs: number;
  /** Seconds idle before the first keepalive probe, seconds between probes, and probes unanswered. */
  readonly keepIdleS: number;
  readonly keepIntervalS: number;
  readonly keepCount: number;
}

function set(fd: number, level: number, name: number, value: number, what: string): void {
  if (bindings().setsockopt(fd, level, name, Int32Array.of(value), 4) !== 0)
    throw new SyscallError('setsockopt', lastErrno(), what);
}

/** Makes the kernel end the TCP connection on `fd` when its peer stops answering (throws SyscallError). */
export function detectDeadPeer(fd: number, t: DeadPeerTimeouts): void {
  set(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, t.unackedMs, 'TCP_USER_TIMEOUT');
  set(fd, SOL_SOCKET, SO_KEEPALIVE, 1, 'SO_KEEPALIVE');
  set(fd, IPPROTO_TCP, TCP_KEEPIDLE, t.keepIdleS, 'TCP_KEEPIDLE');
  set(fd, IPPROTO_TCP, TCP_KEEPINTVL, t.keepIntervalS, 'TCP_KEEPINTVL');
  set(fd, IPPROTO_TCP, TCP_KEEPCNT, t.keepCount, 'TCP_KEEPCNT');
}
