/**
 * The relay: audisp-remote connects to it on loopback instead of to the collector (apply points
 * `remote_server` here), and it carries the still end-to-end encrypted bytes to the collector. It exists
 * because audisp-remote before audit 4.0.4 (Debian 12 and 13) crashes on every failed KRB5 connect and
 * loses its queue: behind the relay every connect succeeds, a lost collector connection is held silent
 * as a blackholed peer would be — nothing crashes, records wait in audisp-remote's and auditd's queues —
 * and audisp-remote is let go to reconnect once the collector and the KDC answer (session.ts).
 *
 * Only root's sockets may connect (loopback-peer.ts): audisp-remote runs as root; a local user must not
 * reach the collector from the device's privileged relay, nor make it look connected.
 *
 * @relation(AR-REQ-019)
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AuditRelayError } from '../errors/error.js';
import type { Logger } from '../log/logger.js';
import type { Framing } from './frames.js';
import { loopbackPeerOwner } from './loopback-peer.js';
import type { ReadinessCheck } from './readiness.js';
import { type Phase, Session, type SessionEvents } from './session.js';
import { type CollectorAddress, openUpstream } from './upstream.js';

export interface RelayObserver {
  /** A session carries records to the collector (the handshake was answered). */
  up(): void;
  /** The collector connection broke; audisp-remote is held. */
  down(reason: string): void;
  /** The collector acknowledged `n` more records. */
  acked(n: number): void;
}

export interface RelaySettings {
  /** Where audisp-remote connects: 127.0.0.1:port, or the listening fd systemd passed. */
  readonly listen: { readonly port: number } | { readonly fd: number };
  readonly collector: CollectorAddress;
  readonly framing: Framing;
  /** Whether a peer socket owned by `uid` may use the relay (default: root only). */
  readonly allowOwner?: (uid: number | undefined) => boolean;
}

export interface RelayStatus {
  readonly listening: string;
  readonly collector: string;
  /** The newest session's phase; null before audisp-remote ever connected. */
  readonly phase: Phase | null;
  readonly since: string | null;
  readonly waiting_for: string | null;
  readonly last_problem: string | null;
  readonly sessions: number;
  readonly acked: number;
  readonly breaks: number;
  /** Connections refused because their socket was not root's. */
  readonly refused: number;
}

export class Relay {
  readonly #settings: RelaySettings;
  readonly #ready: ReadinessCheck;
  readonly #observer: RelayObserver;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #sessions = new Set<Session>();
  #newest: Session | undefined;
  #lastPort: number | undefined;
  #count = 0;
  #acked = 0;
  #breaks = 0;
  #refused = 0;
  #refusedLogged = Number.NEGATIVE_INFINITY;

  constructor(settings: RelaySettings, ready: ReadinessCheck, observer: RelayObserver, log: Logger) {
    this.#settings = settings;
    this.#ready = ready;
    this.#observer = observer;
    this.#log = log;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Listens; resolves once connections are accepted. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const listen = this.#settings.listen;
      const where = 'fd' in listen ? `fd ${listen.fd}` : `127.0.0.1:${listen.port}`;
      this.#server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new AuditRelayError(
            'RELAY_LISTEN_FAILED',
            `the relay cannot listen on ${where}: ${error.code ?? error.message}${error.code === 'EACCES' ? ' (below 1024 only root may listen: under systemd, auditrelay-relay.socket passes the socket)' : ''}`,
          ),
        ),
      );
      const onListening = () => {
        this.#server.removeAllListeners('error');
        this.#server.on('error', (error) => this.#log.error(`relay: ${error.message}`));
        resolve();
      };
      if ('fd' in listen) this.#server.listen({ fd: listen.fd }, onListening);
      else this.#server.listen(listen.port, '127.0.0.1', onListening);
    });
  }

  /**
   * Stops accepting and hands every session over (session.ts): audisp-remote reconnects to the socket
   * systemd keeps and sends its held request again to the next daemon. The caller writes a record first,
   * so an idle audisp-remote has one to send.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#server.close();
    await Promise.all([...this.#sessions].map((session) => session.handOver(deadlineMs)));
  }

  /** The port it listens on. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Whether a session carries records to the collector now. */
  get up(): boolean {
    for (const session of this.#sessions) if (session.phase === 'open') return true;
    return false;
  }

  /** The last reply after which audisp-remote stayed idle (daemon/delivery.ts), or undefined. */
  idleReplyAt(): number | undefined {
    const now = Date.now();
    let at: number | undefined;
    for (const session of this.#sessions) {
      const t = session.idleReplyAt(now);
      if (t !== undefined && (at === undefined || t > at)) at = t;
    }
    return at;
  }

  status(): RelayStatus {
    const s = this.#newest;
    const listen = this.#settings.listen;
    const c = this.#settings.collector;
    return {
      listening: 'fd' in listen ? `fd ${listen.fd} (from systemd)` : `127.0.0.1:${listen.port}`,
      collector: `${c.host}:${c.port}`,
      phase: s?.phase ?? null,
      since: s === undefined ? null : new Date(s.since).toISOString(),
      waiting_for: s?.waitingFor ?? null,
      last_problem: s?.lastProblem ?? null,
      sessions: this.#count,
      acked: this.#acked,
      breaks: this.#breaks,
      refused: this.#refused,
    };
  }

  #accept(socket: Socket): void {
    const owner = loopbackPeerOwner(
      { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
    );
    if (!(this.#settings.allowOwner ?? ((uid) => uid === 0))(owner)) {
      this.#refused++;
      if (performance.now() - this.#refusedLogged > 10_000) {
        this.#refusedLogged = performance.now();
        this.#log.warning(
          `relay: refused a connection from port ${socket.remotePort} owned by uid ${owner ?? 'unknown'} (only root's audisp-remote may connect; ${this.#refused} refused so far)`,
        );
      }
      socket.resetAndDestroy();
      return;
    }
    const session = new Session(++this.#count, socket, {
      framing: this.#settings.framing,
      open: (port) => openUpstream(this.#settings.collector, port),
      ready: this.#ready,
      lastPort: () => this.#lastPort,
      notePort: (port) => {
        this.#lastPort = port;
      },
      events: this.#events,
      log: this.#log,
    });
    this.#sessions.add(session);
    this.#newest = session;
    this.#log.info(`relay: audisp-remote connected (session ${session.id})`);
  }

  readonly #events: SessionEvents = {
    opened: (session) => {
      this.#log.info(`relay: session ${session.id} carries records to the collector`);
      this.#observer.up();
    },
    acked: (_session, n) => {
      this.#acked += n;
      this.#observer.acked(n);
    },
    broken: (session, reason) => {
      this.#breaks++;
      this.#log.warning(`relay: session ${session.id} lost the collector (${reason}); holding audisp-remote`);
      this.#observer.down(reason);
    },
    closed: (session, wasOpen, reason) => {
      this.#sessions.delete(session);
      this.#log.info(`relay: session ${session.id} ended: ${reason}`);
      // audisp-remote went away while records flowed (it exited: the process monitor tells recovery).
      if (wasOpen && !this.up) this.#observer.down(reason);
    },
  };
}
