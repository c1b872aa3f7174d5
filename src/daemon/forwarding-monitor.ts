/**
 * Watches the processes of the forwarding path from the daemon (no privilege needed): the root-owned
 * auditd and its root-owned audisp-remote child (forwarding/processes.ts), every 100 ms. When one ends or
 * is replaced — audisp-remote crashed, killed or gave up, auditd restarted — whatever it held in memory
 * is gone, and the observer hears it at once (recovery re-sends what was past the delivered position).
 * While both keep running, a check reads two small /proc files; only a change costs a scan of /proc.
 *
 * Whether records reach the collector is the relay's to say (it holds the collector connection), not
 * this monitor's: a process list can be faked by nobody here, a connection table can be read but not
 * attributed without root.
 *
 * @relation(AR-REQ-018)
 */
import {
  forwardingProcesses,
  listProcesses,
  type ProcessInfo,
  stillRunning,
} from '../forwarding/processes.js';
import type { Logger } from '../log/logger.js';

export interface ProcessObserver {
  /** audisp-remote or auditd ended: what it held is lost. */
  lost(reason: string): void;
}

export const CHECK_PERIOD_MS = 100;
/** While no audisp-remote runs, /proc is scanned for one at most this often (a scan reads every process). */
export const SCAN_PERIOD_MS = 1000;

/** What the monitor saw at its last check. */
export interface ProcessHealth {
  auditdPid: number | null;
  audispRemotePid: number | null;
  /** audisp-remote processes that ended or were replaced since the daemon started. */
  audispRemoteRestarts: number;
  auditdRestarts: number;
  lastRestartAt: string | null;
  checkedAt: string | null;
}

interface Path {
  readonly auditd: ProcessInfo | undefined;
  readonly remote: ProcessInfo | undefined;
}

export class ForwardingMonitor {
  readonly health: ProcessHealth = {
    auditdPid: null,
    audispRemotePid: null,
    audispRemoteRestarts: 0,
    auditdRestarts: 0,
    lastRestartAt: null,
    checkedAt: null,
  };
  readonly #log: Logger;
  readonly #observer: ProcessObserver;
  #path: Path = { auditd: undefined, remote: undefined };
  #timer: NodeJS.Timeout | undefined;
  #scannedAt = Number.NEGATIVE_INFINITY;

  constructor(log: Logger, observer: ProcessObserver) {
    this.#log = log;
    this.#observer = observer;
  }

  start(): void {
    this.#path = this.#scan();
    this.#record(new Date().toISOString());
    this.#timer = setInterval(() => this.check(), CHECK_PERIOD_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  check(): void {
    const now = new Date().toISOString();
    const before = this.#path;
    const auditd = before.auditd === undefined ? undefined : stillRunning(before.auditd, undefined);
    const remote =
      before.remote === undefined || auditd === undefined
        ? undefined
        : stillRunning(before.remote, auditd.pid);
    const endedKnown =
      (before.auditd !== undefined && auditd === undefined) ||
      (before.remote !== undefined && remote === undefined);
    const searching = before.auditd === undefined || before.remote === undefined;
    // A known process that ended is looked for at once (its replacement); a missing one every SCAN_PERIOD_MS.
    let path: Path = { auditd, remote };
    if (endedKnown || (searching && performance.now() - this.#scannedAt >= SCAN_PERIOD_MS)) {
      const found = this.#scan();
      // A known auditd that still runs stays ours while it has no audisp-remote (it may be restarting it).
      path = found.auditd === undefined && auditd !== undefined ? { auditd, remote: undefined } : found;
    }
    const auditdEnded = before.auditd !== undefined && path.auditd?.pid !== before.auditd.pid;
    const remoteEnded = before.remote !== undefined && path.remote?.pid !== before.remote.pid;
    this.#path = path;
    if (auditdEnded) {
      this.health.auditdRestarts++;
      this.health.lastRestartAt = now;
    }
    if (remoteEnded) {
      this.health.audispRemoteRestarts++;
      this.health.lastRestartAt = now;
    }
    this.#record(now);
    if (auditdEnded || remoteEnded) {
      const reason = auditdEnded
        ? `auditd ${before.auditd?.pid} ended${path.auditd === undefined ? '' : `; now ${path.auditd.pid}`}`
        : `audisp-remote ${before.remote?.pid} ended${path.remote === undefined ? '' : `; now ${path.remote.pid}`}`;
      this.#log.warning(`${reason}: the records it held are re-sent`);
      this.#observer.lost(reason);
    }
  }

  #record(now: string): void {
    this.health.auditdPid = this.#path.auditd?.pid ?? null;
    this.health.audispRemotePid = this.#path.remote?.pid ?? null;
    this.health.checkedAt = now;
  }

  #scan(): Path {
    this.#scannedAt = performance.now();
    const all = listProcesses();
    const found = forwardingProcesses(all);
    return {
      auditd: all.find((p) => p.pid === found.auditd),
      remote: all.find((p) => p.pid === found.audispRemote),
    };
  }
}
