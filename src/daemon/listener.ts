/**
 * The listening socket: the one systemd passed (socket activation), or our own at the configured path with
 * the configured mode and group — created under a tight umask so it is never briefly open to everyone.
 * A stale socket file (nobody listening) is replaced; a live one means another daemon runs: refuse.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
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
