/**
 * The service-manager protocol (sd_notify): READY, RELOADING with MONOTONIC_USEC, STOPPING, STATUS, and the
 * watchdog pinged at half of WATCHDOG_USEC — only when WATCHDOG_PID is ours (sd_watchdog_enabled checks).
 * A no-op outside systemd. The native functions are injected so tests can observe them.
 */
import { sdNotify, watchdogUsec } from '../../native/libsystemd.js';
import type { Logger } from '../log/logger.js';

export interface NotifyNative {
  notify(state: string): boolean;
  watchdogUsec(): number | undefined;
}

const realNative: NotifyNative = { notify: sdNotify, watchdogUsec };

/** CLOCK_MONOTONIC in microseconds, as systemd wants it in MONOTONIC_USEC. */
function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

export class Notifier {
  readonly #native: NotifyNative;
  readonly #log: Logger;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(log: Logger, native: NotifyNative = realNative) {
    this.#native = native;
    this.#log = log;
  }

  #send(state: string): void {
    try {
      this.#native.notify(state);
    } catch (error) {
      this.#log.warning(`sd_notify failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  ready(status: string): void {
    this.#send(`READY=1\nSTATUS=${status}`);
  }

  reloading(): void {
    this.#send(`RELOADING=1\nMONOTONIC_USEC=${monotonicUsec()}`);
  }

  stopping(): void {
    this.#send('STOPPING=1');
  }

  status(text: string): void {
    this.#send(`STATUS=${text}`);
  }

  /** Starts pinging at half the period systemd asked for; `healthy()` false skips a ping (a wedged loop). */
  startWatchdog(healthy: () => boolean): void {
    const usec = this.#native.watchdogUsec();
    if (usec === undefined || usec <= 0) return;
    const periodMs = Math.max(1, Math.floor(usec / 2000));
    this.#log.debug(`watchdog: pinging every ${periodMs} ms`);
    this.#watchdog = setInterval(() => {
      if (healthy()) this.#send('WATCHDOG=1');
    }, periodMs);
  }

  stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }
}
