/**
 * Peer credentials of a connected Unix socket: getsockopt(fd, SOL_SOCKET, SO_PEERCRED, struct ucred *).
 * The kernel fills them at connect(): they name the real sender and cannot be claimed by the message.
 */
import koffi from 'koffi';
import { lastErrno, lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

/** Kernel-verified identity of the process at the other end of a Unix socket. */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

const bindings = lazy(() => {
  const libc = loadLibrary(['libc.so.6'], 'AUDITRELAY_LIBC');
  const ucred = koffi.struct('auditrelay_ucred', { pid: 'int32_t', uid: 'uint32_t', gid: 'uint32_t' });
  const getsockopt: (fd: number, level: number, name: number, value: object, length: number[]) => number =
    libc.func('getsockopt', 'int', [
      'int',
      'int',
      'int',
      koffi.out(koffi.pointer(ucred)),
      koffi.inout(koffi.pointer('uint32_t')),
    ]);
  return { getsockopt };
});

/** Reads SO_PEERCRED from a connected AF_UNIX socket fd; throws SyscallError (EBADF, ENOTSOCK, …). */
export function peerCredentials(fd: number): PeerCredentials {
  const cred = { pid: 0, uid: 0, gid: 0 };
  const length = [12];
  if (bindings().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, length) !== 0) {
    throw new SyscallError('getsockopt', lastErrno(), 'SO_PEERCRED');
  }
  return cred;
}
