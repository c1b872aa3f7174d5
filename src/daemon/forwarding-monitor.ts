/**
 * Watches the forwarding path from the daemon (no privilege needed): is auditd running, is its
 * audisp-remote child running, how often has that child been replaced (audit 3.0.9 crashes it on every
 * failed KRB5 reconnect), and is a connection to the collector's port established. Logged on change and
 * reported by `status`.
 */
import { establishedToPort, forwardingProcesses, listProcesses } from '../forwarding/processes.js';
import type { Logger } from '../log/logger.js';

export interface ForwardingHealth {
  auditdPid: number | null;
  audispRemotePid: number | null;
  /** audisp-remote processes that disappeared or were replaced since the daemon started. */
  audispRemoteRestarts: number;
  lastRestartAt: string | null;
  collectorConnected: boolean;
  /** Since when the path has been down (no audisp-remote or no connection), or null when up. */
  downSince: string | null;
  checkedAt: string | null;
}

const PERIOD_MS = 2000;

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
  #timer: NodeJS.Timeout | undefined;

  constructor(collectorPort: number, log: Logger) {
    this.#port = collectorPort;
    this.#log = log;
  }

  start(): void {
    this.check();
    this.#timer = setInterval(() => this.check(), PERIOD_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  check(): void {
    const h = this.health;
    const now = new Date().toISOString();
    const found = forwardingProcesses(listProcesses());
    const remote = found.audispRemote ?? null;
    if (h.audispRemotePid !== null && remote !== h.audispRemotePid) {
      h.audispRemoteRestarts++;
      h.lastRestartAt = now;
      this.#log.warning(
        `audisp-remote ${h.audispRemotePid} is gone${remote === null ? '' : `; now ${remote}`}: forwarding was interrupted`,
      );
    }
    h.auditdPid = found.auditd ?? null;
    h.audispRemotePid = remote;
    h.collectorConnected = remote !== null && establishedToPort(this.#port, remote);
    const up = remote !== null && h.collectorConnected;
    if (!up && h.downSince === null) {
      h.downSince = now;
      this.#log.error(
        `forwarding is down: ${remote === null ? 'audisp-remote is not running' : `no connection to the collector port ${this.#port}`}`,
      );
    } else if (up && h.downSince !== null) {
      this.#log.notice(`forwarding is up again (down since ${h.downSince})`);
      h.downSince = null;
    }
    h.checkedAt = now;
  }
}
