/**
 * What the daemon does about forwarding, in one place: the relay that carries audisp-remote's connection
 * to the collector and holds it through outages, the tap that reads every record entering forwarding,
 * the tally that tells the collector what the tap saw, the monitor of auditd and audisp-remote, and the
 * recovery that retains every record and re-sends what a lost queue held. Built only when `[forwarding]`
 * is configured.
 */
import type { EmitOutcome } from '../audit/outcome.js';
import type { EmitRecord } from '../audit/record.js';
import type { Config } from '../config/schema.js';
import { REPAIR_AFTER_MS, requestRepair } from '../forwarding/repair-request.js';
import type { Logger } from '../log/logger.js';
import { readinessCheck } from '../relay/readiness.js';
import { Relay } from '../relay/relay.js';
import { Tally } from '../tap/tally.js';
import { AUDIT_EOE, Tap } from '../tap/tap.js';
import { ForwardingMonitor } from './forwarding-monitor.js';
import { Recovery, type RecoveryOptions } from './recovery.js';
import type { ForwardingStatus } from './status-reply.js';

/** Room for the kernel's backlog (backlog_limit, 8192 in Debian's audit.rules) and the pipe (64 KiB). */
export const CAPACITY_MARGIN = 10_000;
/**
 * What the pipe to audisp-remote (64 KiB: ~1,000 short records) and audisp-remote's last read hold
 * beyond q_depth, generously: the queue model drops only past q_depth and this; and what enters with
 * more than q_depth less this modelled as held is at risk (the model may count a few records fewer than
 * auditd holds: auditd's own, an acknowledgement counted before the tap read its record).
 */
const QUEUE_SLACK = 2000;
const EXPIRY_PERIOD_MS = 1000;
const TICK_MS = 250;
/** At a stop, how long the relay waits for audisp-remote's next request to hold and hand over. */
const HAND_OVER_MS = 2000;
/** A tally at least this often when no heartbeat runs. */
const TALLY_FALLBACK_MS = 60_000;
/** The daemon asks for a repair again at most this often. */
const REPAIR_AGAIN_MS = 60_000;

type ForwardingConfig = Config & { forwarding: NonNullable<Config['forwarding']> };

export interface WatchDeps {
  readonly emit: (record: EmitRecord) => Promise<EmitOutcome>;
  readonly heartbeat: () => void;
  readonly log: Logger;
  /** The relay's listening socket from systemd, if it passed one. */
  readonly relayFd?: number | undefined;
}

function limitsOf(config: Config) {
  const windowMs = config.daemon.retention_window;
  return {
    ours: { windowMs, maxBytes: config.daemon.retention_bytes },
    foreign: { windowMs, maxBytes: config.daemon.foreign_retention_bytes },
  };
}

function optionsOf(config: Config, queueDepth: number): RecoveryOptions {
  return {
    capacity: config.auditd.q_depth + queueDepth + CAPACITY_MARGIN,
    queueRoom: Math.max(Math.floor(config.auditd.q_depth / 2), config.auditd.q_depth - QUEUE_SLACK),
    queueCapacity: config.auditd.q_depth + QUEUE_SLACK,
    queueSlack: QUEUE_SLACK,
    rate: config.daemon.resend_rate,
    // One second's worth at once at most: a larger burst outruns the tap's socket buffer (rmem_max).
    burst: Math.min(config.daemon.resend_rate, Math.floor(config.auditd.q_depth / 2)),
  };
}

export class ForwardingWatch {
  readonly relay: Relay;
  readonly tap: Tap;
  readonly tally = new Tally();
  readonly monitor: ForwardingMonitor;
  readonly recovery: Recovery;
  readonly #deps: WatchDeps;
  readonly #ourPid = `pid=${process.pid} `;
  #timers: NodeJS.Timeout[] = [];
  #tallyTimer: NodeJS.Timeout | undefined;
  #tallyMs: number;
  #downSince: string | null = null;
  #remoteMissingSince: number | undefined;
  #repairAskedAt = Number.NEGATIVE_INFINITY;
  readonly #socket: string;

  constructor(config: ForwardingConfig, deps: WatchDeps) {
    const f = config.forwarding;
    this.#deps = deps;
    this.#socket = config.daemon.socket;
    this.#tallyMs = config.daemon.heartbeat_interval || TALLY_FALLBACK_MS;
    this.recovery = new Recovery(limitsOf(config), optionsOf(config, f.queue_depth), deps);
    this.monitor = new ForwardingMonitor(deps.log, this.recovery);
    const collector = { host: f.collector, port: f.port, privilegedSource: f.source_port === 'privileged' };
    const ready = readinessCheck({
      collector,
      kerberos: f.transport === 'krb5' ? { krb5Config: f.krb5_config, clientName: f.client_name } : undefined,
    });
    this.relay = new Relay(
      {
        listen: deps.relayFd === undefined ? { port: f.relay_port } : { fd: deps.relayFd },
        collector,
        framing: f.transport === 'krb5' ? 'gss' : 'rmw',
      },
      ready,
      {
        up: () => {
          this.#downSince = null;
          this.recovery.up();
        },
        down: (reason) => {
          this.#downSince ??= new Date().toISOString();
          this.recovery.down(reason);
        },
        acked: (n) => this.recovery.acked(n),
      },
      deps.log,
    );
    this.tap = new Tap(
      {
        record: (type, text) => this.#tapped(type, text),
        overrun: () => {
          this.tally.overrun();
          this.recovery.delivery.overrun();
        },
      },
      deps.log,
    );
  }

  /** The emitter's hook: every record the kernel accepted, in order. */
  readonly accepted = (record: EmitRecord, seq: number): void => this.recovery.accepted(record, seq);

  async start(): Promise<void> {
    if (await this.tap.start()) this.recovery.delivery.startTapping();
    this.recovery.begin();
    await this.relay.start();
    this.monitor.start();
    this.#every(TICK_MS, () => {
      this.recovery.tick(this.relay.idleReplyAt());
      this.#watchPlugin();
    });
    this.#every(EXPIRY_PERIOD_MS, () => {
      const now = Date.now();
      this.recovery.ours.expire(now);
      this.recovery.foreign.expire(now);
    });
    this.#startTally();
  }

  /**
   * Stops: writes the last tally and a heartbeat (`beat`), which an idle audisp-remote then sends — the
   * request the relay holds while handing it over to the next daemon — and stops reading.
   */
  async stop(beat: () => Promise<void>): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    clearInterval(this.#tallyTimer);
    this.monitor.stop();
    this.recovery.stop();
    this.#writeTally();
    const handOver = this.relay.stop(HAND_OVER_MS);
    await beat();
    await handOver;
    await this.tap.stop();
  }

  /** New retention limits, re-send pace and tally period (a reload). */
  reload(config: Config): void {
    const now = Date.now();
    const limits = limitsOf(config);
    this.recovery.ours.setLimits(limits.ours, now);
    this.recovery.foreign.setLimits(limits.foreign, now);
    this.recovery.setOptions(optionsOf(config, config.forwarding?.queue_depth ?? 0));
    const tallyMs = config.daemon.heartbeat_interval || TALLY_FALLBACK_MS;
    if (tallyMs !== this.#tallyMs) {
      this.#tallyMs = tallyMs;
      this.#startTally();
    }
  }

  status(): ForwardingStatus {
    const retention = (r: Recovery['ours']) => ({
      records: r.count,
      bytes: r.bytes,
      oldest_at: r.oldestAt === undefined ? null : new Date(r.oldestAt).toISOString(),
      window_s: r.limits.windowMs / 1000,
      max_bytes: r.limits.maxBytes,
    });
    return {
      forwarding: {
        ...this.monitor.health,
        collectorConnected: this.relay.up,
        downSince: this.#downSince,
        audispRemoteMissingSince:
          this.#remoteMissingSince === undefined ? null : new Date(this.#remoteMissingSince).toISOString(),
      },
      relay: this.relay.status(),
      tap: this.tap.status(),
      retention: retention(this.recovery.ours),
      foreign_retention: retention(this.recovery.foreign),
      recovery: this.recovery.status,
    };
  }

  /** auditd running without audisp-remote for REPAIR_AFTER_MS: ask root to repair (repair-request.ts). */
  #watchPlugin(): void {
    const h = this.monitor.health;
    if (h.auditdPid === null || h.audispRemotePid !== null || this.relay.up) {
      this.#remoteMissingSince = undefined;
      return;
    }
    const now = Date.now();
    if (this.#remoteMissingSince === undefined) {
      this.#remoteMissingSince = now;
      this.recovery.probe();
      return;
    }
    if (now - this.#remoteMissingSince < REPAIR_AFTER_MS || now - this.#repairAskedAt < REPAIR_AGAIN_MS)
      return;
    this.#repairAskedAt = now;
    const asked = requestRepair(this.#socket);
    this.#deps.log.error(
      `auditd ${h.auditdPid} has run without audisp-remote for ${Math.round((now - this.#remoteMissingSince) / 1000)} s and does not start it (max_restarts used up?): ${asked ? 'asked auditrelay-repair to restart auditd' : 'could not ask for a repair'}`,
    );
  }

  #tapped(type: number, text: string): void {
    if (type === AUDIT_EOE) {
      this.recovery.tappedMarker();
      return;
    }
    const body = text.indexOf('): ');
    // Ours are accounted for by their own numbering (a re-sent one is a new record with ar_rt).
    if (body >= 0 && text.startsWith(this.#ourPid, body + 3)) this.recovery.tappedOurs();
    else {
      this.recovery.tappedForeign(type, text);
      this.tally.add(type, text);
    }
    if (this.tally.full) this.#writeTally();
  }

  #writeTally(): void {
    const record = this.tally.take();
    if (record === undefined) return;
    void this.#deps.emit(record).then((outcome) => {
      if (!outcome.ok) this.#deps.log.error(`the kernel refused a tally record: ${outcome.message}`);
    });
  }

  #startTally(): void {
    clearInterval(this.#tallyTimer);
    this.#tallyTimer = setInterval(() => this.#writeTally(), this.#tallyMs);
    this.#tallyTimer.unref();
  }

  #every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
