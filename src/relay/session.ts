/**
 * One audisp-remote connection through the relay, and its collector connection.
 *
 * audisp-remote 3.0.9 and 4.0.2 (KRB5) survive only some ways a connection can end (read in
 * audisp/plugins/remote/audisp-remote.c; measured in the lab):
 * - a failed connect() or a failed GSS negotiation crashes it (stop_sock → krb5_cc_close(NULL)), losing
 *   its queue; so does a clean EOF (recv_token returns 0 and leaves the token it then frees unset);
 * - a RST while it is idle leaves it wedged for good (sock = -1, remote_ended = 0: it never reconnects);
 * - a RST while it awaits a reply is handled: it drops the socket and context, reconnects (new ticket,
 *   new context) and sends the record it had no acknowledgement for again.
 * So the session never ends audisp-remote's side except with RST while a request is outstanding.
 *
 * Phases:
 * - handshake: audisp-remote's first bytes (its GSS token) are held and sent to the collector; until the
 *   collector answers, a lost collector connection is retried with the same bytes (a collector that closed
 *   before reading them — unreachable, or `op=dup` — never saw them). A collector that keeps accepting and
 *   closing unanswered (it may have rejected the token as a replay) makes us give up after a while: then
 *   audisp-remote must fail its negotiation to get a fresh token.
 * - open: bytes pass both ways untouched; frames are counted (replies after the handshake are the
 *   collector's acknowledgements).
 * - held: the collector connection broke. audisp-remote gets no answer and waits (max_time_per_record is
 *   set to a day), as behind a blackholed collector; records wait in its queue and auditd's. Once a
 *   request is outstanding and everything its reconnect needs answers (readiness.ts), it is released.
 * - closed.
 *
 * @relation(AR-REQ-019)
 */
import type { Socket } from 'node:net';
import { AuditRelayError } from '../errors/error.js';
import type { Logger } from '../log/logger.js';
import { Exchange } from './exchange.js';
import type { Framing } from './frames.js';
import type { Readiness, ReadinessCheck } from './readiness.js';
import { ReleaseGate } from './release-gate.js';
import { reset } from './upstream.js';

export type Phase = 'handshake' | 'open' | 'held' | 'closed';

export interface SessionEvents {
  /** The collector answered the handshake: records flow. */
  opened(session: Session): void;
  /** The collector acknowledged `n` more records. */
  acked(session: Session, n: number): void;
  /** The collector connection broke after the handshake: audisp-remote is held. */
  broken(session: Session, reason: string): void;
  /** audisp-remote's side ended (by it, or by us: released or aborted); `wasOpen` when records flowed. */
  closed(session: Session, wasOpen: boolean, reason: string): void;
}

export interface SessionDeps {
  readonly framing: Framing;
  /** Connects to the collector from `localPort` (when given and free). */
  readonly open: (localPort: number | undefined) => Promise<Socket>;
  readonly ready: ReadinessCheck;
  /** The local port of the last collector connection (see upstream.ts), and where to note a new one. */
  readonly lastPort: () => number | undefined;
  readonly notePort: (port: number | undefined) => void;
  readonly events: SessionEvents;
  readonly log: Logger;
}

/** Most bytes audisp-remote sends before the collector's first answer (its GSS token is under 2 KiB). */
export const MAX_HANDSHAKE_BYTES = 65_536;
/** Handshake retries wait 1 s, doubling to this. */
const MAX_RETRY_MS = 30_000;
/** Collector connections that closed unanswered after taking the token, before audisp-remote must retry. */
export const MAX_UNANSWERED = 10;

export class Session {
  readonly id: number;
  readonly #client: Socket;
  readonly #deps: SessionDeps;
  #collector: Socket | undefined;
  #phase: Phase = 'handshake';
  readonly #exchange: Exchange;
  #early: Buffer[] = [];
  #earlyBytes = 0;
  #connecting = false;
  #attempts = 0;
  #unanswered = 0;
  #timer: NodeJS.Timeout | undefined;
  #handingOver = false;
  #handedOver: (() => void) | undefined;
  readonly #gate: ReleaseGate;
  #waitingFor: Readiness['waitingFor'] | 'record' | undefined;
  #problem: string | undefined;
  readonly since = Date.now();

  constructor(id: number, client: Socket, deps: SessionDeps) {
    this.id = id;
    this.#client = client;
    this.#deps = deps;
    this.#exchange = new Exchange(deps.framing);
    this.#gate = new ReleaseGate(deps.ready, deps.lastPort);
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.#fromAudispRemote(chunk));
    client.on('error', () => undefined); // 'close' follows
    client.on('close', () => this.#clientClosed());
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** What a session waits for (status): the collector or the KDC (asked by the gate), or a record. */
  get waitingFor(): Readiness['waitingFor'] | 'record' | undefined {
    return this.#phase === 'held' && this.#gate.waitingFor !== undefined
      ? this.#gate.waitingFor
      : this.#waitingFor;
  }

  /** The last problem seen: the gate's while held, else the collector connection's. */
  get lastProblem(): string | undefined {
    return (this.#phase === 'held' ? this.#gate.problem : undefined) ?? this.#problem;
  }

  /** Whether audisp-remote awaits an answer to something it sent. */
  get outstanding(): boolean {
    return this.#exchange.outstanding;
  }

  /** The last reply after which audisp-remote stayed idle (exchange.ts), while records flow. */
  idleReplyAt(now: number): number | undefined {
    return this.#phase === 'open' ? this.#exchange.idleReplyAt(now) : undefined;
  }

  /**
   * Hands audisp-remote over to the next daemon (a stop): its next request is held instead of forwarded,
   * and once one is outstanding the session is reset — audisp-remote reconnects (to the socket systemd
   * keeps) and sends it again. Resolves when done; after `deadlineMs` without a request, the session is
   * ended with FIN (audisp-remote then crashes with an empty queue rather than wedge on a RST).
   */
  handOver(deadlineMs: number): Promise<void> {
    if (this.#phase === 'closed') return Promise.resolve();
    this.#handingOver = true;
    return new Promise((resolve) => {
      this.#handedOver = resolve;
      if (this.outstanding && this.#phase !== 'handshake') this.#end('handed over to the next daemon');
      const timer = setTimeout(() => {
        if (this.#phase === 'closed') return;
        this.#phase = 'closed';
        clearTimeout(this.#timer);
        this.#client.end();
        reset(this.#collector);
        this.#deps.events.closed(this, false, 'no request to hand over: closed');
        resolve();
      }, deadlineMs);
      timer.unref();
    });
  }

  #fromAudispRemote(chunk: Buffer): void {
    try {
      this.#exchange.request(chunk, Date.now());
    } catch (error) {
      this.#end(`audisp-remote sent ${error instanceof AuditRelayError ? error.message : String(error)}`);
      return;
    }
    if (this.#handingOver && this.#phase !== 'handshake') {
      if (this.outstanding) this.#end('handed over to the next daemon');
      return;
    }
    switch (this.#phase) {
      case 'handshake':
        this.#earlyBytes += chunk.length;
        if (this.#earlyBytes > MAX_HANDSHAKE_BYTES) {
          this.#end(`audisp-remote sent over ${MAX_HANDSHAKE_BYTES} bytes before the collector answered`);
          return;
        }
        this.#early.push(chunk);
        if (this.#collector === undefined && !this.#connecting && this.#timer === undefined) this.#connect();
        else if (this.#collector !== undefined) this.#send(chunk);
        break;
      case 'open':
        this.#send(chunk);
        break;
      case 'held':
        // Nothing can go up a broken session: audisp-remote sends it again after reconnecting.
        if (this.outstanding) this.#checkReady();
        break;
      case 'closed':
        break;
    }
  }

  #send(chunk: Buffer): void {
    const collector = this.#collector;
    if (collector !== undefined && !collector.write(chunk)) {
      this.#client.pause();
      collector.once('drain', () => this.#client.resume());
    }
  }

  #connect(): void {
    this.#connecting = true;
    this.#attempts++;
    this.#deps
      .open(this.#deps.lastPort())
      .then((collector) => {
        this.#connecting = false;
        if (this.#phase !== 'handshake') {
          reset(collector);
          return;
        }
        this.#collector = collector;
        this.#deps.notePort(collector.localPort);
        collector.on('data', (chunk: Buffer) => this.#fromCollectorSide(chunk));
        collector.on('error', (error: Error) => {
          this.#problem = error.message;
        });
        collector.on('close', () => this.#collectorClosed(collector));
        for (const chunk of this.#early) this.#send(chunk);
      })
      .catch((error: unknown) => {
        this.#connecting = false;
        this.#problem = error instanceof Error ? error.message : String(error);
        this.#retryHandshake();
      });
  }

  #retryHandshake(): void {
    if (this.#phase !== 'handshake') return;
    const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(this.#attempts - 1, 5));
    this.#waitingFor = 'collector';
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, delay);
    this.#timer.unref();
  }

  #fromCollectorSide(chunk: Buffer): void {
    let frames: number;
    const now = Date.now();
    try {
      frames = this.#exchange.reply(chunk, now);
    } catch (error) {
      this.#end(`the collector sent ${error instanceof AuditRelayError ? error.message : String(error)}`);
      return;
    }
    if (!this.#client.write(chunk)) {
      this.#collector?.pause();
      this.#client.once('drain', () => this.#collector?.resume());
    }
    if (frames === 0) return;
    // GSS: the collector's first token completes the handshake (krb5 needs one round), so the count
    // starts even there; every later token acknowledges a record.
    let acks = frames;
    if (this.#phase === 'handshake') {
      this.#phase = 'open';
      this.#early = [];
      this.#waitingFor = undefined;
      if (this.#deps.framing === 'gss') {
        acks--;
        this.#exchange.settle(now);
      }
      this.#deps.events.opened(this);
    }
    if (acks > 0) this.#deps.events.acked(this, acks);
  }

  #collectorClosed(collector: Socket): void {
    if (this.#collector !== collector) return;
    this.#collector = undefined;
    if (this.#phase === 'handshake') {
      // It took the token and closed without answering: rejected (a replayed token, op=dup, …).
      if (++this.#unanswered >= MAX_UNANSWERED) {
        this.#end(
          `the collector closed ${MAX_UNANSWERED} connections without answering audisp-remote's handshake; it must start over`,
        );
        return;
      }
      this.#retryHandshake();
      return;
    }
    if (this.#phase !== 'open') return;
    this.#phase = 'held';
    const reason = this.#problem ?? 'the collector closed the connection';
    this.#deps.events.broken(this, reason);
    this.#waitingFor = 'record';
    if (this.outstanding) this.#checkReady();
  }

  /** Held with a request outstanding: release audisp-remote once its reconnect can succeed. */
  #checkReady(): void {
    if (this.#phase !== 'held') return;
    this.#gate.ask(() => {
      if (this.#phase === 'held')
        this.#end('released: the collector answers again, audisp-remote reconnects');
    });
  }

  #clientClosed(): void {
    if (this.#phase === 'closed') return;
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    clearTimeout(this.#timer);
    this.#gate.cancel();
    reset(this.#collector);
    this.#deps.events.closed(this, wasOpen, 'audisp-remote closed its connection');
    this.#handedOver?.();
  }

  /** Ends audisp-remote's side with RST and the collector's too. */
  #end(reason: string): void {
    if (this.#phase === 'closed') return;
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    clearTimeout(this.#timer);
    this.#gate.cancel();
    reset(this.#client);
    reset(this.#collector);
    this.#deps.events.closed(this, wasOpen, reason);
    this.#handedOver?.();
  }
}
