/**
 * Who is on the other end of a connection, as the kernel recorded it at connect(): SO_PEERCRED (pid,
 * uid, gid) and SO_PEERGROUPS (supplementary groups, for policy). The program's comm and exe come from
 * /proc/<pid>, read at accept, and are kept only if a pidfd taken from the socket (SO_PEERPIDFD) shows
 * that the process that connected is still the one behind that pid — a peer that exited, its pid
 * reused by another program, is not named after that program. Never taken from messages.
 *
 * What remains (docs/security-model.md): a peer that calls execve() between connect() and our accept
 * is named after its new program; on kernels before 6.5 (no SO_PEERPIDFD) pid reuse in that window is
 * not detected.
 *
 * @relation(AR-REQ-003)
 */
import { closeSync, readFileSync, readlinkSync } from 'node:fs';
import { peerCredentials, peerGroups, peerPidfd } from '../../native/socket.js';
import type { Sender } from '../audit/record.js';

/** A sender plus its groups, primary first (for policy; not written to the record). */
function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Whether a pidfd's process still runs: its fdinfo shows `Pid: -1` once it has exited. */
function pidfdAlive(pidfd: number): boolean {
  const info = readOr(() => readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8')) ?? '';
  const pid = /^Pid:\s*(-?\d+)$/m.exec(info)?.[1];
  return pid !== undefined && pid !== '-1';
}

/** comm and exe of the process that connected, or nothing when it cannot be told apart from another. */
function program(fd: number, pid: number): Pick<Sender, 'comm' | 'exe'> {
  const pidfd = peerPidfd(fd);
  if (pidfd === 'gone') return {};
  try {
    const comm = readOr(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd());
    const exe = readOr(() => readlinkSync(`/proc/${pid}/exe`));
    // Read first, check after: if the process is still alive now, what we read was its own.
    if (pidfd !== 'unsupported' && !pidfdAlive(pidfd)) return {};
    return { ...(comm === undefined ? {} : { comm }), ...(exe === undefined ? {} : { exe }) };
  } finally {
    if (typeof pidfd === 'number') closeSync(pidfd);
  }
}

/** Identifies the peer of a connected Unix socket fd. */
export function identifySender(fd: number): Sender {
  const cred = peerCredentials(fd);
  const groups = peerGroups(fd).filter((gid) => gid !== cred.gid);
  return {
    pid: cred.pid,
    uid: cred.uid,
    gid: cred.gid,
    gids: [cred.gid, ...groups],
    ...program(fd, cred.pid),
  };
}
