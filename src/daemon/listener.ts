/**
 * The listening socket: the one systemd passed (socket activation), or our own at the configured path with
 * the configured mode and group — created under a tight umask so it is never briefly open to everyone.
 * A stale socket file (nobody listening) is replaced; a live one means another daemon runs: refuse.
 * Its mode and group are set by path after bind(2), so its directory must be one no other user can write
 * to (else the socket could be swapped for a link between bind and chmod): owned by root or by us, not
 * writable by group or others.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { AuditRelayError } from '../errors/error.js';

export interface ListenOptions {
  readonly path: string;
  readonly mode: number;
  readonly gid: number | undefined;
  /** fd passed by systemd, when socket-activated. */
  readonly fd: number | undefined;
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Refuses a socket directory another user could change (SOCKET_DIR_UNSAFE). */
export function checkSocketDir(dir: string, euid: number = process.geteuid?.() ?? 0): void {
  const stats = statSync(dir);
  const owner = stats.uid === 0 || stats.uid === euid;
  if (!stats.isDirectory() || !owner || (stats.mode & 0o022) !== 0)
    throw new AuditRelayError(
      'SOCKET_DIR_UNSAFE',
      `The socket's directory "${dir}" (uid ${stats.uid}, mode ${(stats.mode & 0o7777).toString(8)}) must belong to root or to the daemon's user and be writable by nobody else`,
    );
}

async function clearStale(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new AuditRelayError('SOCKET_PATH_IN_USE', `"${path}" exists and is not a socket`);
  if (await isLive(path))
    throw new AuditRelayError('DAEMON_ALREADY_RUNNING', `A daemon already listens on "${path}"`);
  unlinkSync(path);
}

function listen(server: Server, target: { path: string } | { fd: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts listening; `onConnection` gets every accepted socket. */
export async function openListener(
  options: ListenOptions,
  onConnection: (socket: Socket) => void,
): Promise<Server> {
  const server = createServer({ allowHalfOpen: false, pauseOnConnect: true }, onConnection);
  if (options.fd !== undefined) {
    await listen(server, { fd: options.fd });
    return server;
  }
  mkdirSync(dirname(options.path), { recursive: true, mode: 0o755 });
  checkSocketDir(dirname(options.path));
  await clearStale(options.path);
  const umask = process.umask(0o177);
  try {
    await listen(server, { path: options.path });
  } catch (error) {
    throw new AuditRelayError(
      'SOCKET_LISTEN_FAILED',
      `Cannot listen on "${options.path}": ${String(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    process.umask(umask);
  }
  if (options.gid !== undefined) chownSync(options.path, -1, options.gid);
  chmodSync(options.path, options.mode);
  return server;
}
