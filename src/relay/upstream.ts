/**
 * The relay's side of the collector connection: a TCP connection from the device to the collector's port,
 * made so that it can never linger where it does harm.
 * - Ended with RST, never FIN: no TIME_WAIT on the device, and the collector frees its client at once.
 * - The kernel ends it when the collector stops acknowledging (TCP_USER_TIMEOUT) or stops answering
 *   keepalive probes while idle: a dead path is seen in seconds, not after tcp_retries2's ~15 minutes.
 * - A reconnect binds the local port of the connection before it. When that connection died with the
 *   path, the collector may still hold it (for hours: its keepalive); our SYN on the same four-tuple
 *   draws a challenge ACK that our kernel answers with RST, and the collector drops the stale client
 *   instead of counting it against tcp_max_per_addr — which locked devices out after repeated outages.
 *
 * @relation(AR-REQ-019)
 */
import { connect, type Socket } from 'node:net';
import { detectDeadPeer } from '../../native/tcp-options.js';
import { socketFd } from '../socket-fd.js';

export interface CollectorAddress {
  readonly host: string;
  readonly port: number;
  /**
   * Connect from a privileged source port (below 1024; needs CAP_NET_BIND_SERVICE), so that a collector
   * with `tcp_client_ports = 1-1023` turns away every connection an unprivileged process opens — before
   * audit 4.2.1 one silent connection stalls the collector for every device (forwarding.source_port).
   */
  readonly privilegedSource?: boolean;
}

/** The source ports a privileged connection picks from (rresvport's range), and how many picks it tries. */
export const PRIVILEGED_PORTS = { from: 512, to: 1023, attempts: 64 } as const;

function privilegedPort(): number {
  return (
    PRIVILEGED_PORTS.from + Math.floor(Math.random() * (PRIVILEGED_PORTS.to - PRIVILEGED_PORTS.from + 1))
  );
}

/** Sent data unacknowledged this long, or an idle peer silent to 3 probes over 20 s: the path is dead. */
export const DEAD_PEER = { unackedMs: 20_000, keepIdleS: 10, keepIntervalS: 5, keepCount: 3 } as const;
/** A connect() the collector neither accepts nor refuses (blackholed) is abandoned after this. */
export const CONNECT_TIMEOUT_MS = 5000;

/** Ends a socket with RST (or at once, when it never connected). */
export function reset(socket: Socket | undefined): void {
  if (socket === undefined || socket.destroyed) return;
  if (socket.readyState === 'open') socket.resetAndDestroy();
  else socket.destroy();
}

/**
 * Connects to the collector, from `localPort` when given and free (else, with `privilegedSource`, from a
 * free port below 1024); resolves with the connected socket (tuned as above) or rejects with the reason.
 * The caller owns the socket.
 */
export function openUpstream(to: CollectorAddress, localPort: number | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let picks = 0;
    const fresh = () => {
      picks++;
      return to.privilegedSource === true ? privilegedPort() : undefined;
    };
    const attempt = (port: number | undefined) => {
      const socket = connect({
        host: to.host,
        port: to.port,
        ...(port === undefined ? {} : { localPort: port }),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer from ${to.host}:${to.port} within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        try {
          detectDeadPeer(socketFd(socket), DEAD_PEER);
        } catch (error) {
          reset(socket);
          reject(error);
          return;
        }
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // Someone else holds the old port now (or it is still in use here): another will do — below 1024
        // when it must be, a few picks at most.
        const taken = error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL';
        if (taken && port !== undefined && picks < PRIVILEGED_PORTS.attempts) attempt(fresh());
        else if (error.code === 'EACCES' && to.privilegedSource === true)
          reject(
            new Error(
              `cannot bind source port ${port} below 1024 (forwarding.source_port = "privileged" needs CAP_NET_BIND_SERVICE): ${error.message}`,
            ),
          );
        else reject(error);
      });
    };
    attempt(localPort ?? fresh());
  });
}

/** Whether the collector accepts a TCP connection now; the probe is reset at once (it never sends). */
export async function collectorAccepts(
  to: CollectorAddress,
  localPort: number | undefined,
): Promise<boolean> {
  try {
    reset(await openUpstream(to, localPort));
    return true;
  } catch {
    return false;
  }
}
