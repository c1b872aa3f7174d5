/**
 * Watches the forwarding path from the daemon (no privilege needed): is auditd running, is its
 * audisp-remote child running, and is a connection to the collector's port established. Every 100 ms,
 * so an interruption — audisp-remote crashing (audit < 4.0.4 does on every failed KRB5 reconnect) or
 * replaced, auditd restarted, the collector connection dropped — is seen well under a second after it
 * happened. While the path is known, a check reads three small /proc files (the two processes' stat and
 * audisp-remote's net/tcp); only a missing or replaced process costs a scan of /proc.
 *
 * The observer hears each interruption and each recovery (a new audisp-remote connected), in order;
 * both are logged once.
 */
import {
  forwardingProcesses,
  forwardingUp,
  listProcesses,
  type ProcessInfo,
  readProcess,
} from '../forwarding/processes.js';
import type { Logger } from '../log/logger.js';
import type { ForwardingHealth } from './status-reply.js';

export interface ForwardingObserver {
  /** The path broke (or was down when the daemon started). */
  interrupted(reason: string): void;
  /** A running audisp-remote is connected to the collector again. */
  recovered(): void;
  /** A check saw the path up (after `recovered` when it was down). */
  healthy(): void;
}

export const CHECK_PERIOD_MS = 100;
/** While no audisp-remote runs, /proc is scanned for one at most this often (a scan reads every process). */
export const SCAN_PERIOD_MS = 1000;

interface Path {
  readonly auditd: ProcessInfo | undefined;
  readonly remote: ProcessInfo | undefined;
}

const same = (a: ProcessInfo | undefined, b: ProcessInfo | undefined) =>
  a !== undefined && b !== undefined && a.pid === b.pid && a.start === b.start;

export class ForwardingMonitor {
  readonly health: ForwardingHealth = {
    auditdPid: null,
    audispRemotePid: null,
    audispRemoteRestarts: 0,
    lastRestartAt: null,
    collectorConnected: false,
    downSince: null,
    checkedAt: null,
  };
  readonly #port: number;
  readonly #log: Logger;
  readonly #observer: ForwardingObserver;
  #path: Path = { auditd: undefined, remote: undefined };
  /** undefined before the first check: the first one reports the state it finds. */
  #up: boolean | undefined;
  #timer: NodeJS.Timeout | undefined;
  #scannedAt = Number.NEGATIVE_INFINITY;

  constructor(collectorPort: number, log: Logger, observer: ForwardingObserver) {
    this.#port = collectorPort;
    this.#log = log;
    this.#observer = observer;
  }

  start(): void {
    this.check();
    this.#timer = setInterval(() => this.check(), CHECK_PERIOD_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Whether the path was up at the last check. */
  get up(): boolean {
    return this.#up === true;
  }

  check(): void {
    const now = new Date().toISOString();
    const before = this.#path;
    const path = this.#locate(before);
    const replaced = before.remote !== undefined && !same(before.remote, path.remote);
    if (replaced) this.#noteRestart(before.remote?.pid ?? 0, path.remote?.pid, now);
    const up = forwardingUp(path.remote?.pid, this.#port);
    this.#path = path;
    const h = this.health;
    h.auditdPid = path.auditd?.pid ?? null;
    h.audispRemotePid = path.remote?.pid ?? null;
    h.collectorConnected = up;
    h.checkedAt = now;
    // A replacement between two checks that both saw the path up is an interruption and a recovery.
    if (this.#up !== false && (!up || replaced)) {
      const reason =
        path.remote === undefined
          ? 'audisp-remote is not running'
          : replaced
            ? `audisp-remote was replaced (now ${path.remote.pid})`
            : `no connection to the collector port ${this.#port}`;
      h.downSince = now;
      this.#log.error(`forwarding is down: ${reason}`);
      this.#observer.interrupted(reason);
    }
    if (up && h.downSince !== null) {
      this.#log.notice(`forwarding is up again (down since ${h.downSince})`);
      h.downSince = null;
      this.#observer.recovered();
    }
    if (up) this.#observer.healthy();
    this.#up = up;
  }

  /**
   * The same processes when they still run (two reads), else a fresh scan of /proc — at once when a known
   * process is gone (a replacement must be found), at most every SCAN_PERIOD_MS while none is known.
   */
  #locate(known: Path): Path {
    const auditd = known.auditd === undefined ? undefined : readProcess(known.auditd.pid);
    const remote = known.remote === undefined ? undefined : readProcess(known.remote.pid);
    if (
      auditd !== undefined &&
      same(auditd, known.auditd) &&
      remote !== undefined &&
      same(remote, known.remote) &&
      remote.ppid === auditd.pid
    )
      return { auditd, remote };
    const now = performance.now();
    if (known.remote === undefined && now - this.#scannedAt < SCAN_PERIOD_MS) return known;
    this.#scannedAt = now;
    const all = listProcesses();
    const found = forwardingProcesses(all);
    return {
      auditd: all.find((p) => p.pid === found.auditd),
      remote: all.find((p) => p.pid === found.audispRemote),
    };
  }

  #noteRestart(pid: number, now: number | undefined, at: string): void {
    this.health.audispRemoteRestarts++;
    this.health.lastRestartAt = at;
    this.#log.warning(
      `audisp-remote ${pid} is gone${now === undefined ? '' : `; now ${now}`}: forwarding was interrupted`,
    );
  }
}
