/**
 * Who is on the other end of a connection: the kernel's SO_PEERCRED (pid, uid, gid), plus what /proc tells
 * where readable (supplementary groups, comm, exe). Read once at connect; never taken from messages.
 *
 * @relation(AR-REQ-003)
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { peerCredentials } from '../../native/socket.js';
import type { Sender } from '../audit/record.js';
import { AuditRelayError } from '../errors.js';

/** A sender plus its supplementary groups (for policy; not written to the record). */
export interface Peer extends Sender {
  readonly gids: readonly number[];
}

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function supplementaryGroups(pid: number): number[] {
  const status = readOr(() => readFileSync(`/proc/${pid}/status`, 'utf8')) ?? '';
  const line = status.split('\n').find((l) => l.startsWith('Groups:'));
  return (line?.slice(7).trim().split(/\s+/) ?? []).filter((g) => g !== '').map(Number);
}

/** Identifies the peer of a connected Unix socket fd. */
export function identifyPeer(fd: number): Peer {
  const cred = peerCredentials(fd);
  const comm = readOr(() => readFileSync(`/proc/${cred.pid}/comm`, 'utf8').trimEnd());
  const exe = readOr(() => readlinkSync(`/proc/${cred.pid}/exe`));
  return {
    pid: cred.pid,
    uid: cred.uid,
    gid: cred.gid,
    gids: [cred.gid, ...supplementaryGroups(cred.pid)],
    ...(comm === undefined ? {} : { comm }),
    ...(exe === undefined ? {} : { exe }),
  };
}

/** The OS fd behind a net.Socket (Node keeps it on an internal handle). */
export function socketFd(socket: object): number {
  const handle: unknown = Reflect.get(socket, '_handle');
  const fd: unknown = typeof handle === 'object' && handle !== null ? Reflect.get(handle, 'fd') : undefined;
  if (typeof fd !== 'number' || fd < 0)
    throw new AuditRelayError('PEER_NO_FD', 'The connection has no file descriptor');
  return fd;
}
