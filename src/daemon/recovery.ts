/**
 * No acknowledged record lost across a forwarding outage: every record the kernel accepts is retained
 * (retention.ts); when the forwarding monitor reports an interruption, the records audisp-remote may
 * have lost are marked at risk; when it reports recovery, they are written again, marked `ar_rt` with
 * their original number, paced, then a heartbeat.
 *
 * Which records are at risk: forwarding is a FIFO — kernel backlog → auditd's queue to plugins (q_depth)
 * → the pipe to audisp-remote → audisp-remote's queue (queue_depth) → the collector. At any moment it
 * holds at most `capacity` records (q_depth + queue_depth + a margin for the kernel backlog and the
 * pipe), and a record leaves it only once the collector acknowledged it. So when audisp-remote dies,
 * every record it or auditd still held was among the last `capacity` records written before the break.
 * We count write positions (one per record written, original or re-send) and, at the last check that
 * saw the path up, note the position; on interruption every retained record written after that
 * position minus `capacity` is at risk — none of the lost ones can be outside that set. Duplicates at
 * the collector are the price, and each is marked.
 *
 * What cannot be kept: a record written after the last healthy check that leaves retention (age or
 * size) before the recovery re-sent it is lost; it is counted, logged as an error and shown in status,
 * and `auditrelay verify` reports the same records missing.
 *
 * @relation(AR-REQ-018)
 */
import type { EmitOutcome } from '../audit/outcome.js';
import { Pacer } from '../audit/pacer.js';
import type { EmitRecord } from '../audit/record.js';
import {
  type Eviction,
  type Retained,
  type RetainedInfo,
  Retention,
  type RetentionLimits,
} from '../audit/retention.js';
import type { Logger } from '../log/logger.js';
import type { ForwardingObserver } from './forwarding-monitor.js';

export interface RecoveryOptions {
  /** Records forwarding can hold at once (see above). */
  readonly capacity: number;
  /** Re-sent records per second after the first `burst`. */
  readonly rate: number;
  /** Re-sent records written at once (half of auditd's q_depth: the re-send cannot overflow it). */
  readonly burst: number;
}

export interface RecoveryDeps {
  readonly emit: (record: EmitRecord) => Promise<EmitOutcome>;
  /** Writes a heartbeat: while forwarding is down it is the probe that makes audisp-remote reconnect. */
  readonly heartbeat: () => void;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface RecoveryStatus {
  interruptions: number;
  last_interruption_at: string | null;
  last_interruption: string | null;
  last_recovery_at: string | null;
  /** Retained records the broken forwarding may have lost: written again when it recovers. */
  at_risk: number;
  resending: number;
  resent: number;
  /** Records that left retention before they could be re-sent: lost. */
  lost: number;
  /** Records the size bound pushed out before the window ended (outside an outage). */
  evicted_early: number;
}

/** While forwarding is down, a heartbeat this often drives audisp-remote to try again. */
export const PROBE_MS = 2000;
/** Re-sent records handed to the emitter before waiting for their outcomes. */
const RESEND_WINDOW = 1024;

interface ResendJob {
  readonly entries: Retained[];
  next: number;
  cancelled: boolean;
}

export class Recovery implements ForwardingObserver {
  #options: RecoveryOptions;
  readonly #deps: RecoveryDeps;
  readonly #now: () => number;
  readonly retention: Retention;
  #written = 0;
  #healthyAt = 0;
  /** Entries written after this position are re-sent at recovery; undefined when nothing is pending. */
  #riskFrom: number | undefined;
  /** Entries written after this position that leave retention before their re-send are lost. */
  #lostAfter: number | undefined;
  #probe: NodeJS.Timeout | undefined;
  #job: ResendJob | undefined;
  readonly #status: RecoveryStatus = {
    interruptions: 0,
    last_interruption_at: null,
    last_interruption: null,
    last_recovery_at: null,
    at_risk: 0,
    resending: 0,
    resent: 0,
    lost: 0,
    evicted_early: 0,
  };
  #lostLogged = Number.NEGATIVE_INFINITY;

  constructor(limits: RetentionLimits, options: RecoveryOptions, deps: RecoveryDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.retention = new Retention(limits, (entry, why) => this.#evicted(entry, why));
  }

  get status(): RecoveryStatus {
    const risk = this.#riskFrom;
    const atRisk = risk === undefined ? 0 : this.retention.countWrittenAfter(risk);
    const job = this.#job;
    return {
      ...this.#status,
      at_risk: atRisk,
      resending: job === undefined ? 0 : job.entries.length - job.next,
    };
  }

  /** New capacity and re-send pace (a reload); a running re-send keeps its pace. */
  setOptions(options: RecoveryOptions): void {
    this.#options = options;
  }

  /** Every record the kernel accepted, in order (the emitter's hook). */
  accepted(record: EmitRecord, seq: number): void {
    this.#written++;
    if (record.resend === undefined) this.retention.add(seq, record, this.#now(), this.#written);
  }

  /** The monitor saw the path up: everything written so far went into a working path. */
  healthy(): void {
    this.#healthyAt = this.#written;
  }

  interrupted(reason: string): void {
    const s = this.#status;
    s.interruptions++;
    s.last_interruption_at = new Date(this.#now()).toISOString();
    s.last_interruption = reason;
    const from = Math.max(0, this.#healthyAt - this.#options.capacity);
    this.#riskFrom = Math.min(this.#riskFrom ?? from, from);
    this.#lostAfter = Math.min(this.#lostAfter ?? this.#healthyAt, this.#healthyAt);
    this.#cancelJob();
    clearInterval(this.#probe);
    this.#probe = setInterval(() => this.#deps.heartbeat(), PROBE_MS);
    this.#probe.unref();
  }

  recovered(): void {
    clearInterval(this.#probe);
    this.#probe = undefined;
    this.#status.last_recovery_at = new Date(this.#now()).toISOString();
    const risk = this.#riskFrom;
    if (risk === undefined) return;
    const entries = this.retention.writtenAfter(risk);
    for (const entry of entries) entry.queued = true;
    const job: ResendJob = { entries, next: 0, cancelled: false };
    this.#job = job;
    void this.#run(job);
  }

  stop(): void {
    clearInterval(this.#probe);
    this.#cancelJob();
  }

  async #run(job: ResendJob): Promise<void> {
    const { entries } = job;
    this.#deps.log.notice(
      `re-sending ${entries.length} retained record(s)${entries.length === 0 ? '' : ` (ar_seq ${entries[0]?.seq}-${entries.at(-1)?.seq})`}`,
    );
    const pacer = new Pacer({ rate: this.#options.rate, burst: this.#options.burst });
    const outcomes: Array<Promise<void>> = [];
    while (job.next < entries.length) {
      while (pacer.grant(1) === 0) await sleep(pacer.waitMs());
      if (job.cancelled) return;
      const entry = entries[job.next++];
      if (entry === undefined) break;
      entry.queued = false;
      outcomes.push(this.#resendOne(entry));
      if (outcomes.length >= RESEND_WINDOW) await Promise.all(outcomes.splice(0));
    }
    await Promise.all(outcomes);
    if (job.cancelled) return;
    this.#job = undefined;
    this.#riskFrom = undefined;
    this.#lostAfter = undefined;
    this.#deps.log.notice(`re-sent ${entries.length} record(s); ${this.#status.lost} lost in all so far`);
    this.#deps.heartbeat();
  }

  async #resendOne(entry: Retained): Promise<void> {
    const outcome = await this.#deps.emit({ ...entry.record, resend: { seq: entry.seq, at: entry.at } });
    if (!outcome.ok) {
      this.#deps.log.error(`re-sending ar_seq ${entry.seq} failed: ${outcome.message}`);
      return;
    }
    this.#status.resent++;
    // Written again: it is now that recent in the FIFO (accepted() counted the write just before).
    entry.wrote = this.#written;
  }

  /** A new interruption stops the re-send; what it had not written stays at risk, or is lost if gone. */
  #cancelJob(): void {
    const job = this.#job;
    if (job === undefined) return;
    job.cancelled = true;
    this.#job = undefined;
    for (const entry of job.entries.slice(job.next)) {
      entry.queued = false;
      if (!this.retention.holds(entry)) this.#countLost(entry, 'expired');
    }
  }

  #evicted(entry: RetainedInfo, why: Eviction): void {
    if (entry.queued) return; // the running re-send still writes it
    if (this.#countLost(entry, why)) return;
    if (why === 'size') {
      this.#status.evicted_early++;
      if (this.#status.evicted_early % 1000 === 1)
        this.#deps.log.warning(
          `retention_bytes reached: records leave retention before retention_window (${this.#status.evicted_early} so far)`,
        );
    }
  }

  /** Counts `entry` as lost when it was written after the last healthy check of an outage; says whether. */
  #countLost(entry: RetainedInfo, why: Eviction): boolean {
    const lostAfter = this.#lostAfter;
    if (lostAfter === undefined || entry.wrote <= lostAfter) return false;
    this.#status.lost++;
    // One line a second at most: an outage longer than the window evicts one record after another.
    if (this.#now() - this.#lostLogged < 1000) return true;
    this.#lostLogged = this.#now();
    const cause = why === 'size' ? 'retention_bytes reached' : 'older than retention_window';
    this.#deps.log.error(
      `lost ar_seq ${entry.seq} (${cause}) before forwarding recovered: ${this.#status.lost} lost in all`,
    );
    return true;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
