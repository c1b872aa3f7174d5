/**
 * What the daemon does about forwarding, in one place: the monitor that sees interruptions, the recovery
 * that retains every accepted record and writes the ones at risk again, and the timer that ages
 * retention. Built only when `[forwarding]` is configured (without it nothing could tell an outage).
 */
import type { EmitOutcome } from '../audit/outcome.js';
import type { EmitRecord } from '../audit/record.js';
import type { RetentionLimits } from '../audit/retention.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { ForwardingMonitor } from './forwarding-monitor.js';
import { Recovery, type RecoveryOptions } from './recovery.js';
import type { ForwardingStatus } from './status-reply.js';

/** Room for the kernel's backlog (backlog_limit, 8192 in Debian's audit.rules) and the pipe (64 KiB). */
export const CAPACITY_MARGIN = 10_000;
const EXPIRY_PERIOD_MS = 1000;

export interface WatchDeps {
  readonly emit: (record: EmitRecord) => Promise<EmitOutcome>;
  readonly heartbeat: () => void;
  readonly log: Logger;
}

function limitsOf(config: Config): RetentionLimits {
  return { windowMs: config.daemon.retention_window, maxBytes: config.daemon.retention_bytes };
}

function optionsOf(config: Config, queueDepth: number): RecoveryOptions {
  return {
    capacity: config.auditd.q_depth + queueDepth + CAPACITY_MARGIN,
    rate: config.daemon.resend_rate,
    burst: Math.floor(config.auditd.q_depth / 2),
  };
}

export class ForwardingWatch {
  readonly monitor: ForwardingMonitor;
  readonly recovery: Recovery;
  #expiry: NodeJS.Timeout | undefined;

  constructor(config: Config & { forwarding: NonNullable<Config['forwarding']> }, deps: WatchDeps) {
    this.recovery = new Recovery(limitsOf(config), optionsOf(config, config.forwarding.queue_depth), deps);
    this.monitor = new ForwardingMonitor(config.forwarding.port, deps.log, this.recovery);
  }

  /** The emitter's hook: every record the kernel accepted, in order. */
  readonly accepted = (record: EmitRecord, seq: number): void => this.recovery.accepted(record, seq);

  start(): void {
    this.monitor.start();
    this.#expiry = setInterval(() => this.recovery.retention.expire(Date.now()), EXPIRY_PERIOD_MS);
    this.#expiry.unref();
  }

  stop(): void {
    this.monitor.stop();
    this.recovery.stop();
    clearInterval(this.#expiry);
  }

  /** New retention limits and re-send pace (a reload). */
  reload(config: Config): void {
    this.recovery.retention.setLimits(limitsOf(config), Date.now());
    this.recovery.setOptions(optionsOf(config, config.forwarding?.queue_depth ?? 0));
  }

  status(): ForwardingStatus {
    const r = this.recovery.retention;
    return {
      forwarding: this.monitor.health,
      retention: {
        records: r.count,
        bytes: r.bytes,
        oldest_at: r.oldestAt === undefined ? null : new Date(r.oldestAt).toISOString(),
        window_s: r.limits.windowMs / 1000,
        max_bytes: r.limits.maxBytes,
      },
      recovery: this.recovery.status,
    };
  }
}
