/**
 * Nothing that entered forwarding is lost while its loss can be repaired: every record — ours when the
 * kernel accepts it, another program's or the kernel's when the tap reads it — is retained in memory
 * (retention.ts), and written again when forwarding may have lost it.
 *
 * When forwarding may lose records (the relay makes a collector outage lose none: audisp-remote is held
 * and keeps its queue):
 * - audisp-remote ended (crashed, killed, gave up) or auditd was restarted: their queues are gone, and
 *   auditd's kernel records of the restart gap never reached any. Everything past the position the
 *   collector acknowledged (delivery.ts) is at risk;
 * - auditd's queue to audisp-remote may overflow (auditd then drops records with a syslog line): while
 *   audisp-remote is held, and after, until it has worked off the backlog. Everything that entered while
 *   the queue counted (delivery.ts) past `queueRoom` is at risk.
 * At-risk records are written again once a session carries records and auditd's queue has room for them
 * (resend.ts). Duplicates at the collector are the price, each marked (`ar_rt`, or wrapped); a record
 * missing is not.
 *
 * What cannot be kept: a record at risk that leaves retention (age or size) before its re-send is lost;
 * it is counted, logged as an error and shown in status, and `auditrelay verify` reports the same records.
 *
 * @relation(AR-REQ-018)
 */
import type { EmitOutcome } from '../audit/outcome.js';
import type { EmitRecord } from '../audit/record.js';
import { type Eviction, type RetainedInfo, Retention, type RetentionLimits } from '../audit/retention.js';
import type { Logger } from '../log/logger.js';
import type { RelayObserver } from '../relay/relay.js';
import { AtRisk } from './at-risk.js';
import { Delivery } from './delivery.js';
import type { ProcessObserver } from './forwarding-monitor.js';
import { mergeByWrite, type ResendCounts, ResendJob } from './resend.js';

export interface RecoveryOptions {
  /** Records forwarding can hold at once: the look-back when the delivered position is unknown. */
  readonly capacity: number;
  /** Records (EOE too) auditd's queue to audisp-remote is counted to take (below q_depth). */
  readonly queueRoom: number;
  /** Records (EOE too) past which auditd certainly drops: q_depth, the pipe and audisp-remote, generously. */
  readonly queueCapacity: number;
  /** Of it, what lies beyond q_depth. */
  readonly queueSlack: number;
  /** Re-sent records per second after the first `burst`. */
  readonly rate: number;
  /** Re-sent records written at once (at most half of auditd's q_depth: the re-send cannot overflow it). */
  readonly burst: number;
}

export interface RecoveryDeps {
  readonly emit: (record: EmitRecord) => Promise<EmitOutcome>;
  /** Writes a heartbeat: the probe that makes auditd start a new audisp-remote and a held one send. */
  readonly heartbeat: () => void;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface RecoveryStatus {
  /** Times forwarding stopped carrying records: collector connection lost, or a queue lost. */
  interruptions: number;
  /** Of them, times audisp-remote ended or auditd restarted, taking what they held. */
  queue_losses: number;
  last_interruption_at: string | null;
  last_interruption: string | null;
  last_recovery_at: string | null;
  /** Retained records forwarding may have lost: written again when it carries records. */
  at_risk: number;
  resending: number;
  /** Our records written again, and others' (wrapped). */
  resent: number;
  resent_foreign: number;
  /** Records at risk that left retention before they could be written again: lost (ours, others'). */
  lost: number;
  lost_foreign: number;
  /** Records the size bound pushed out before the window ended (outside an outage). */
  evicted_early: number;
  /** Positions: records that entered forwarding; up to where the collector acknowledged (null: unknown). */
  position: number;
  delivered: number | null;
  /** Records (EOE too) in auditd's queue to audisp-remote at most, and the room counted (null: unknown). */
  queued: number | null;
  queue_room: number;
}

/** While forwarding carries no records, a heartbeat this often gives audisp-remote something to send. */
export const PROBE_MS = 2000;
/**
 * The re-send starts this long after records flow again, so what the kernel wrote before — the tap reads
 * it a moment later — is among what it takes.
 */
export const TAP_CATCH_UP_MS = 100;

export class Recovery implements RelayObserver, ProcessObserver {
  #options: RecoveryOptions;
  readonly #deps: RecoveryDeps;
  readonly #now: () => number;
  /** Our records (numbered by ar_seq) and others' (numbered by the tap's position). */
  readonly ours: Retention;
  readonly foreign: Retention;
  readonly delivery: Delivery;
  readonly #risk: AtRisk;
  /**
   * While audisp-remote is held: where auditd's queue is counted from when the delivered position is (or
   * becomes) unknown — the delivered one when held, else a look-back of the FIFO's capacity — and how many
   * records (EOE too) had entered by then.
   */
  #down: { position: number; all: number } | undefined;
  /** A relay session carries records now. */
  #carrying = false;
  #probe: NodeJS.Timeout | undefined;
  #resendTimer: NodeJS.Timeout | undefined;
  #job: ResendJob | undefined;
  readonly #counts: ResendCounts = { ours: 0, foreign: 0 };
  readonly #status = {
    interruptions: 0,
    queue_losses: 0,
    last_interruption_at: null as string | null,
    last_interruption: null as string | null,
    last_recovery_at: null as string | null,
    lost: 0,
    lost_foreign: 0,
    evicted_early: 0,
  };
  #lostLogged = Number.NEGATIVE_INFINITY;

  constructor(
    limits: { ours: RetentionLimits; foreign: RetentionLimits },
    options: RecoveryOptions,
    deps: RecoveryDeps,
  ) {
    this.#options = options;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.delivery = new Delivery(this.#now);
    this.#setQueueLimits(options);
    this.ours = new Retention(limits.ours, (entry, why) => this.#evicted(entry, why, 'ours'));
    this.foreign = new Retention(limits.foreign, (entry, why) => this.#evicted(entry, why, 'foreign'));
    this.#risk = new AtRisk([this.ours, this.foreign]);
  }

  get status(): RecoveryStatus {
    return {
      ...this.#status,
      at_risk: this.#risk.count,
      resending: this.#job?.remaining ?? 0,
      resent: this.#counts.ours,
      resent_foreign: this.#counts.foreign,
      position: this.delivery.position,
      delivered: this.delivery.delivered ?? null,
      queued: this.#queued() ?? null,
      queue_room: this.#options.queueRoom,
    };
  }

  /**
   * At start, everything before the first session is at risk: whether an auditd was running to queue
   * what the kernel wrote before audisp-remote connected cannot be told (records written while none
   * runs go to no auditd at all). The first session writes them again — a few duplicates, marked.
   */
  begin(): void {
    this.#risk.set(0, 'loss');
  }

  /** New capacity and re-send pace (a reload); a running re-send keeps its pace. */
  setOptions(options: RecoveryOptions): void {
    this.#options = options;
    this.#setQueueLimits(options);
  }

  #setQueueLimits(o: RecoveryOptions): void {
    this.delivery.setQueueLimits({ room: o.queueRoom, capacity: o.queueCapacity, slack: o.queueSlack });
  }

  /**
   * One of ours the kernel accepted (the emitter's hook). Re-sends are not retained again, nor are
   * wrappers: the record they carry is retained, and its write position is now theirs.
   */
  accepted(record: EmitRecord, seq: number): void {
    const position = this.delivery.ours();
    if (record.resend !== undefined || (record.kind === 'user' && record.wrapper === true)) return;
    this.ours.add(seq, record, this.#now(), position);
    this.#risk.added();
  }

  /** A record the tap read that is not ours (ours are retained as accepted, with their numbering). */
  tappedForeign(type: number, text: string): void {
    const position = this.delivery.tapped();
    this.foreign.add(position, { kind: 'foreign', type, text }, this.#now(), position);
    this.#risk.added();
  }

  /** One of ours as the tap read it: it takes its place in the stream. */
  tappedOurs(): void {
    this.delivery.tappedOurs();
  }

  /** An EOE marker as the tap read it: auditd queues it too. */
  tappedMarker(): void {
    this.delivery.marker();
  }

  /**
   * Periodic: `idleReplyAt` is the relay's last reply after which audisp-remote was idle (relay.idleReplyAt).
   * auditd's queue to audisp-remote holds everything entered since the delivered position that it did not
   * drop (delivery.ts, auditd-queue.ts); what entered past `queueRoom` is at risk. With the delivered
   * position unknown, a held audisp-remote's queue is counted from where it was held (#down).
   */
  tick(idleReplyAt: number | undefined): void {
    if (idleReplyAt !== undefined) this.delivery.anchor(idleReplyAt);
    const overflow = this.delivery.queue.takeOverflow();
    const queued = this.#queued();
    let from: number | undefined;
    if (this.delivery.delivered !== undefined) from = overflow === undefined ? undefined : overflow - 1;
    else if (this.#down !== undefined && queued !== undefined) {
      const over = queued - this.#options.queueRoom;
      // Where the queue filled up: at most `over` records back (fewer positions: EOE have none).
      if (over > 0) from = Math.max(this.#down.position, this.delivery.position - over);
    }
    // Ours keep the position they were given when written; the tap may have read them later than that.
    if (from !== undefined) from = Math.max(0, from - this.delivery.oursLag);
    if (from !== undefined) {
      this.#risk.set(from, 'overflow');
      if (this.#carrying && this.#job === undefined) this.#resendSoon();
    } else if (queued === undefined || queued < this.#options.queueRoom)
      this.#risk.close(this.delivery.position);
  }

  /** Records (EOE too) in auditd's queue to audisp-remote at most; undefined when it cannot be told. */
  #queued(): number | undefined {
    const queued = this.delivery.queued();
    if (queued !== undefined) return queued;
    const down = this.#down;
    return down === undefined ? undefined : this.delivery.all - down.all;
  }

  /**
   * Records (EOE too) a re-send may write now: it fills auditd's queue to half its room at most, so the
   * records that keep coming have the other half (past the room they would be at risk themselves).
   */
  #room(): number {
    // Held: what it wrote would only take the room of the records that keep coming.
    if (!this.#carrying) return 0;
    const queued = this.delivery.queued();
    // Unknown (no tap, or no anchor since it missed records): paced only.
    return queued === undefined ? this.#options.burst : Math.floor(this.#options.queueRoom / 2) - queued;
  }

  // The relay's events (RelayObserver).

  up(): void {
    this.#carrying = true;
    this.#down = undefined;
    this.#stopProbe();
    this.#status.last_recovery_at = new Date(this.#now()).toISOString();
    if (this.#risk.any && this.#job === undefined) this.#resendSoon();
  }

  /**
   * The collector connection broke (the break is seen later, by a TCP timeout). auditd's queue holds what
   * the collector had not acknowledged, and fills from there (tick). With the delivered position unknown,
   * it is counted from a look-back of the FIFO's capacity instead (which overstates the queue: more is put
   * at risk, never less).
   */
  down(reason: string): void {
    this.#carrying = false;
    this.#interrupted(reason);
    if (this.#down !== undefined) return;
    const position = this.delivery.delivered ?? this.delivery.riskFrom(this.#options.capacity);
    this.#down = { position, all: this.delivery.allAt(position) ?? 0 };
  }

  acked(n: number): void {
    this.delivery.acked(n);
  }

  /**
   * audisp-remote or auditd ended: what they held is at risk. Written again once a session carries
   * records — at once when one already does (a new audisp-remote may connect before the loss is seen).
   */
  lost(reason: string): void {
    this.#status.queue_losses++;
    this.delivery.resync();
    this.#cancelJob();
    this.#risk.set(this.delivery.riskFrom(this.#options.capacity), 'loss');
    if (this.#carrying) {
      this.#record(reason);
      this.#resendSoon();
    } else this.#interrupted(reason);
  }

  stop(): void {
    this.#stopProbe();
    clearTimeout(this.#resendTimer);
    this.#cancelJob();
  }

  #interrupted(reason: string): void {
    this.#record(reason);
    this.probe();
  }

  #record(reason: string): void {
    const s = this.#status;
    s.interruptions++;
    s.last_interruption_at = new Date(this.#now()).toISOString();
    s.last_interruption = reason;
  }

  /** Writes a heartbeat every PROBE_MS until forwarding carries records again (auditd restarts a plugin on a record). */
  probe(): void {
    if (this.#probe !== undefined) return;
    this.#probe = setInterval(() => this.#deps.heartbeat(), PROBE_MS);
    this.#probe.unref();
  }

  #stopProbe(): void {
    clearInterval(this.#probe);
    this.#probe = undefined;
  }

  #resendSoon(): void {
    clearTimeout(this.#resendTimer);
    this.#resendTimer = setTimeout(() => {
      this.#resendTimer = undefined;
      if (this.#carrying && this.#job === undefined) void this.#resend();
    }, TAP_CATCH_UP_MS);
    this.#resendTimer.unref();
  }

  async #resend(): Promise<void> {
    if (!this.#risk.any) return;
    const ranges = this.#risk.take();
    const job = new ResendJob(
      mergeByWrite(this.ours.writtenWithin(ranges), this.foreign.writtenWithin(ranges)),
    );
    this.#job = job;
    const { log } = this.#deps;
    log.notice(`re-sending ${job.entries.length} retained record(s) forwarding may have lost`);
    const o = this.#options;
    const pace = { rate: o.rate, burst: o.burst };
    const done = await job.run(
      pace,
      () => this.#room(),
      this.#deps,
      this.#counts,
      (entry) => {
        // Written again: it is now that recent in the FIFO (the emitter counted the write just before).
        entry.wrote = this.delivery.position;
      },
    );
    if (!done || this.#job !== job) return;
    this.#job = undefined;
    log.notice(
      `re-sent ${job.entries.length} record(s); lost in all so far: ${this.#status.lost} of ours, ${this.#status.lost_foreign} of others`,
    );
    this.#deps.heartbeat();
    // A risk found while it ran (auditd's queue still full, a new loss) is the next re-send's.
    if (this.#risk.any) this.#resendSoon();
  }

  /** A new loss stops the re-send; what it had not written is at risk again, or is lost if gone. */
  #cancelJob(): void {
    const job = this.#job;
    if (job === undefined) return;
    this.#job = undefined;
    let from = Number.POSITIVE_INFINITY;
    for (const entry of job.cancel()) {
      const store = entry.record.kind === 'foreign' ? this.foreign : this.ours;
      if (store.holds(entry)) from = Math.min(from, entry.wrote - 1);
      else this.#countLost(entry, 'expired', entry.record.kind === 'foreign' ? 'foreign' : 'ours');
    }
    if (from !== Number.POSITIVE_INFINITY) this.#risk.set(from, 'loss');
  }

  #evicted(entry: RetainedInfo, why: Eviction, whose: 'ours' | 'foreign'): void {
    if (entry.queued) return; // the running re-send still writes it
    if (this.#risk.left(entry.wrote)) {
      this.#countLost(entry, why, whose);
      return;
    }
    if (why === 'size' && whose === 'ours') {
      this.#status.evicted_early++;
      if (this.#status.evicted_early % 1000 === 1)
        this.#deps.log.warning(
          `retention_bytes reached: records leave retention before retention_window (${this.#status.evicted_early} so far)`,
        );
    }
  }

  #countLost(entry: RetainedInfo, why: Eviction, whose: 'ours' | 'foreign'): void {
    if (whose === 'ours') this.#status.lost++;
    else this.#status.lost_foreign++;
    // One line a second at most: an outage longer than the window evicts one record after another.
    if (this.#now() - this.#lostLogged < 1000) return;
    this.#lostLogged = this.#now();
    const cause = why === 'size' ? 'the retention bound was reached' : 'older than retention_window';
    const what = whose === 'ours' ? `ar_seq ${entry.seq}` : 'a record of another program';
    this.#deps.log.error(
      `lost ${what} (${cause}) before forwarding recovered: ${this.#status.lost} of ours and ${this.#status.lost_foreign} of others lost in all`,
    );
  }
}
