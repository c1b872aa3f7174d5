/**
 * What the kernel recorded about the peer of a connected Unix socket when it called connect(): its
 * credentials (SO_PEERCRED), its supplementary groups (SO_PEERGROUPS) and a pidfd pinning that very
 * process (SO_PEERPIDFD, Linux 6.5+). None of it can be claimed by the message, and none of it changes
 * when the peer later calls setgroups() or exits and its pid is reused.
 */
import koffi from 'koffi';
import { lastErrno, lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SO_PEERGROUPS = 59;
const SO_PEERPIDFD = 77;
const ERANGE = 34;
const ENOPROTOOPT = 92;
/** NGROUPS_MAX: the kernel never reports more supplementary groups. */
const GROUPS_MAX = 65536;

/** Kernel-verified identity of the process at the other end of a Unix socket. */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface Bindings {
  getsockopt: (fd: number, level: number, name: number, value: Uint32Array, length: number[]) => number;
}

const bindings = lazy((): Bindings => {
  const libc = loadLibrary(['libc.so.6'], 'AUDITRELAY_LIBC');
  return {
    // One signature for every option: the value is a buffer of 32-bit words (ucred, gid_t[], int).
    getsockopt: libc.func('getsockopt', 'int', [
      'int',
      'int',
      'int',
      'void *',
      koffi.inout(koffi.pointer('uint32_t')),
    ]),
  };
});

function getsockopt(
  fd: number,
  name: number,
  words: number,
): { rc: number; value: Uint32Array; length: number } {
  const value = new Uint32Array(words);
  const length = [words * 4];
  const rc = bindings().getsockopt(fd, SOL_SOCKET, name, value, length);
  return { rc, value, length: length[0] ?? 0 };
}

/** Reads SO_PEERCRED from a connected AF_UNIX socket fd; throws SyscallError (EBADF, ENOTSOCK, …). */
export function peerCredentials(fd: number): PeerCredentials {
  const { rc, value } = getsockopt(fd, SO_PEERCRED, 3);
  if (rc !== 0) throw new SyscallError('getsockopt', lastErrno(), 'SO_PEERCRED');
  return { pid: new Int32Array(value.buffer)[0] ?? 0, uid: value[1] ?? 0, gid: value[2] ?? 0 };
}

/** The peer's supplementary groups at connect() (SO_PEERGROUPS, Linux 4.13+). */
export function peerGroups(fd: number): number[] {
  let words = 64;
  for (;;) {
    const { rc, value, length } = getsockopt(fd, SO_PEERGROUPS, words);
    if (rc === 0) return [...value.subarray(0, length / 4)];
    const errno = lastErrno();
    // Too small a buffer: the kernel said how large it must be.
    if (errno !== ERANGE || length / 4 <= words || length / 4 > GROUPS_MAX) {
      throw new SyscallError('getsockopt', errno, 'SO_PEERGROUPS');
    }
    words = length / 4;
  }
}

/**
 * A pidfd for the process that connected (SO_PEERPIDFD): the caller owns it and must close it.
 * `unsupported` on kernels before 6.5; `gone` when that process no longer exists.
 */
export function peerPidfd(fd: number): number | 'unsupported' | 'gone' {
  const { rc, value } = getsockopt(fd, SO_PEERPIDFD, 1);
  if (rc === 0) return value[0] ?? -1;
  const errno = lastErrno();
  if (errno === ENOPROTOOPT) return 'unsupported';
  return 'gone'; // ESRCH / EINVAL: the peer has exited and been reaped
}
