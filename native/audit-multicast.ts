/**
 * The kernel audit log's multicast group (AUDIT_NLGRP_READLOG, netlink(7), include/uapi/linux/audit.h):
 * every record the kernel emits, sent to every reader bound to the group at the moment it goes to auditd —
 * SYSCALL, PATH, USER_* of every program, ours too. Binding needs CAP_AUDIT_READ (EPERM without). A reader
 * that falls behind loses datagrams: recv() then fails once with ENOBUFS (the kernel never blocks for it).
 * libc socket/bind/recv through koffi; calls block, so they belong on a worker thread.
 */
import { lastErrno, lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_AUDIT = 9;
const AUDIT_NLGRP_READLOG = 1;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
const EAGAIN = 11;
const MSG_DONTWAIT = 0x40;
const EINTR = 4;
const ENOBUFS = 105;
/** struct sockaddr_nl: family (u16), pad (u16), pid (u32), groups (u32). */
const SOCKADDR_NL_BYTES = 12;

interface Bindings {
  socket: (domain: number, type: number, protocol: number) => number;
  bind: (fd: number, address: Buffer, length: number) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, length: number) => number;
  recv: (fd: number, buffer: Buffer, length: number, flags: number) => number;
  close: (fd: number) => number;
}

const bindings = lazy((): Bindings => {
  const libc = loadLibrary(['libc.so.6'], 'AUDITRELAY_LIBC');
  return {
    socket: libc.func('int socket(int domain, int type, int protocol)'),
    bind: libc.func('int bind(int fd, const void *address, uint32_t length)'),
    setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t length)'),
    recv: libc.func('long recv(int fd, void *buffer, size_t length, int flags)'),
    close: libc.func('int close(int fd)'),
  };
});

export interface MulticastOptions {
  /** Receive buffer asked for (the kernel caps it at net.core.rmem_max, doubled). */
  readonly receiveBufferBytes: number;
  /** recv() returns 'timeout' after this long without a record, so the caller can check for shutdown. */
  readonly pollMs: number;
}

/** Opens and binds a reader of the kernel's audit multicast group; throws SyscallError (EPERM, …). */
export function openAuditMulticast(options: MulticastOptions): number {
  const b = bindings();
  const fd = b.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
  if (fd < 0) throw new SyscallError('socket', lastErrno(), 'AF_NETLINK, NETLINK_AUDIT');
  try {
    const size = Buffer.alloc(4);
    size.writeInt32LE(options.receiveBufferBytes);
    if (b.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4) !== 0)
      throw new SyscallError('setsockopt', lastErrno(), 'SO_RCVBUF');
    const timeout = Buffer.alloc(16); // struct timeval on LP64: seconds, microseconds
    timeout.writeBigInt64LE(BigInt(Math.floor(options.pollMs / 1000)), 0);
    timeout.writeBigInt64LE(BigInt((options.pollMs % 1000) * 1000), 8);
    if (b.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16) !== 0)
      throw new SyscallError('setsockopt', lastErrno(), 'SO_RCVTIMEO');
    const address = Buffer.alloc(SOCKADDR_NL_BYTES);
    address.writeUInt16LE(AF_NETLINK, 0);
    address.writeUInt32LE(AUDIT_NLGRP_READLOG, 8);
    if (b.bind(fd, address, SOCKADDR_NL_BYTES) !== 0)
      throw new SyscallError('bind', lastErrno(), 'AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ)');
    return fd;
  } catch (error) {
    b.close(fd);
    throw error;
  }
}

/**
 * Receives one datagram into `buffer`: its length, 'timeout' when none came within pollMs (at once with
 * `nowait`), or 'overrun' when the kernel dropped datagrams because we fell behind (ENOBUFS: how many is
 * not said).
 */
export function receiveAudit(fd: number, buffer: Buffer, nowait = false): number | 'timeout' | 'overrun' {
  const n = bindings().recv(fd, buffer, buffer.length, nowait ? MSG_DONTWAIT : 0);
  if (n >= 0) return n;
  const errno = lastErrno();
  if (errno === EAGAIN || errno === EINTR) return 'timeout';
  if (errno === ENOBUFS) return 'overrun';
  throw new SyscallError('recv', errno, 'audit multicast');
}

export function closeAuditMulticast(fd: number): void {
  bindings().close(fd);
}
