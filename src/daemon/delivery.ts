/**
 * How far forwarding got: positions in the stream of records that enter forwarding, and the position up
 * to which the collector has acknowledged them.
 *
 * Forwarding is one FIFO — kernel → auditd's queue → the pipe → audisp-remote → the collector — and
 * audisp-remote is stop-and-wait: every record the collector acknowledges is the oldest one still in the
 * FIFO. With the tap, every record entering forwarding gets a position (EOE records excepted: audisp-remote
 * drops them) and the time it entered, and the relay sees each acknowledgement. So:
 * - each acknowledgement delivers the next position auditd did not drop (auditd-queue.ts models which
 *   it dropped when its queue was full);
 * - when audisp-remote stays idle after an acknowledgement (relay/exchange.ts), its queue was empty then,
 *   and auditd had handed it everything that entered more than TRANSIT_MS before: all of that is
 *   delivered (an anchor). It places the count at first, after a lost queue and after the tap missed
 *   records; otherwise it corrects the count — backwards freely, forwards only as far as the count can
 *   lag: ANCHOR_SLACK in all until the next resync, and the queue model's slack for each time it
 *   overflowed. "Idle" is seen by the daemon's event loop, which may itself have been busy (a timer runs
 *   before the poll that would have read audisp-remote's next request), so an anchor ahead of the count
 *   may be a busy audisp-remote working off a backlog. The budget is spent, not renewed, by each forward
 *   move: many such anchors during a long backlog (a slow link) once moved the count past MARGIN and lost
 *   records at the next lost queue.
 * When audisp-remote or auditd ends, what they held is exactly what lies past the delivered position.
 * Without the tap (only our records have positions), before the first anchor, or after the tap missed
 * records (an overrun), `delivered` is unknown and recovery falls back to the FIFO's capacity.
 *
 * Only auditd's own records (DAEMON_*, which the tap does not see) make the count overstate, by one
 * position each: `MARGIN` positions before the delivered one are written again for them.
 *
 * @relation(AR-REQ-018)
 */
import { AuditdQueue, type QueueLimits } from './auditd-queue.js';

/** A record that entered this long before reached audisp-remote (kernel → auditd → pipe). */
export const TRANSIT_MS = 50;
/** Positions re-sent before the delivered one (auditd's own records counted as ours; a tap's lag). */
export const MARGIN = 256;
/**
 * How far anchors may move the delivered position past the count in all between two resyncs (an
 * acknowledgement the tap had not yet numbered when the count was full of them): half of MARGIN, so a
 * count moved forward by mistake still re-sends what it skipped.
 */
export const ANCHOR_SLACK = MARGIN / 2;
/**
 * Positions remembered (entry time, count of every record, and what auditd's queue holds for each):
 * more than auditd's queue holds (q_depth 99,999) and what it drops in a minute at 2,000 records a
 * second. An older anchor cannot be placed.
 */
const HISTORY = 262_144;
/** Ours written and not yet read by the tap, remembered at most (past it, the newest are not). */
const MAX_PENDING = 65_536;
/** The tap's lag for ours is the largest seen in this window and the one before it. */
const LAG_WINDOW_MS = 10_000;

export class Delivery {
  #position = 0;
  #delivered: number | undefined;
  #tapping = false;
  /** Entry time of position p at [p % HISTORY] (a ring over the last HISTORY positions). */
  readonly #entered = new Float64Array(HISTORY);
  /**
   * Every record the tap read, EOE markers too: what auditd's queue to audisp-remote holds (it queues
   * them all; audisp-remote drops EOE only after reading them). At position p it was [p % HISTORY].
   */
  #all = 0;
  readonly #allAt = new Float64Array(HISTORY);
  readonly queue = new AuditdQueue(HISTORY);
  /** Acknowledgements seen before the tap numbered their records (applied as it does; bounded). */
  #ahead = 0;
  /** How far the next anchor may move the delivered position forward (Infinity: anywhere). */
  #slack = Number.POSITIVE_INFINITY;
  /** The queue's drop episodes already allowed for in `#slack`. */
  #episodes = 0;
  #anchorAt = Number.NEGATIVE_INFINITY;
  /**
   * The positions ours were given when the kernel accepted them, not yet read by the tap, oldest first
   * (the tap reads ours in the order they were written; one the kernel lost pairs the next read with an
   * older position: a larger lag, the safe side — and every read after it with the one before its own,
   * until the tap next misses records: the lag then also counts the others' records between two of ours,
   * more written again at each risk, never less).
   */
  #pending: number[] = [];
  #pendingHead = 0;
  /** The largest lag (positions) seen in this window, in the one before, and when this one began. */
  #lag = 0;
  #lagBefore = 0;
  #lagSince = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Records that entered forwarding so far (the position of the newest). */
  get position(): number {
    return this.#position;
  }

  /** Up to where the collector acknowledged; undefined when it cannot be told. */
  get delivered(): number | undefined {
    return this.#delivered;
  }

  /** The tap reads every record from now on: positions count all of them, not only ours. */
  startTapping(): void {
    this.#tapping = true;
    this.overrun();
  }

  /** auditd's queue limits (records: q_depth and below). */
  setQueueLimits(limits: QueueLimits): void {
    this.queue.setLimits(limits);
  }

  get tapping(): boolean {
    return this.#tapping;
  }

  /**
   * One of our records was accepted by the kernel; returns its position. With the tap, that is the next
   * one: the tap reads it a moment later and counts it then (tapped()).
   */
  ours(): number {
    if (!this.#tapping) return this.#enter();
    const given = this.#position + 1;
    if (this.#pending.length - this.#pendingHead < MAX_PENDING) this.#pending.push(given);
    return given;
  }

  /** The tap read one of ours; returns its position (past the one it was given by what entered meanwhile). */
  tappedOurs(): number {
    const position = this.tapped();
    const given = this.#pending[this.#pendingHead];
    if (given === undefined) return position;
    this.#pendingHead++;
    if (this.#pendingHead * 2 >= this.#pending.length) {
      this.#pending = this.#pending.slice(this.#pendingHead);
      this.#pendingHead = 0;
    }
    this.#rotateLag();
    this.#lag = Math.max(this.#lag, position - given);
    return position;
  }

  /**
   * How many positions one of ours may lie past the write position it was given (retention keeps that
   * one): records of others the tap read between the kernel accepting ours and the tap reading it, for
   * the ours read lately and the ours not yet read. A risk that begins at a position begins this much
   * earlier for ours.
   */
  get oursLag(): number {
    this.#rotateLag();
    const oldest = this.#pending[this.#pendingHead];
    const waiting = oldest === undefined ? 0 : this.#position + 1 - oldest;
    return Math.max(this.#lag, this.#lagBefore, waiting);
  }

  #rotateLag(): void {
    const now = this.#now();
    if (now - this.#lagSince < LAG_WINDOW_MS) return;
    this.#lagBefore = now - this.#lagSince < 2 * LAG_WINDOW_MS ? this.#lag : 0;
    this.#lag = 0;
    this.#lagSince = now;
  }

  /** The tap read a record (EOE excepted); returns its position. */
  tapped(): number {
    this.#all++;
    const position = this.#enter();
    this.queue.entered(position);
    if (this.#ahead > 0) {
      this.#ahead--;
      this.#deliverNext();
    }
    return position;
  }

  /** The tap read an EOE marker: no position, but it fills auditd's queue like any record. */
  marker(): void {
    this.#all++;
    this.queue.marker(this.#position);
  }

  /** Every record the tap read so far, EOE markers too. */
  get all(): number {
    return this.#all;
  }

  /** The count of every record (EOE too) when position `p` entered; undefined when older than the history. */
  allAt(p: number): number | undefined {
    if (p === 0) return 0;
    if (p <= this.#position - HISTORY || p > this.#position) return undefined;
    return this.#allAt[p % HISTORY];
  }

  /** Records (EOE too) in auditd's queue to audisp-remote as modelled; undefined while delivered is unknown. */
  queued(): number | undefined {
    return this.#delivered === undefined ? undefined : this.queue.held;
  }

  /** The tap missed records: acknowledgements can no longer be placed until the next anchor. */
  overrun(): void {
    this.#delivered = undefined;
    // What it missed may be ours: which read is which is no longer known.
    this.#pending = [];
    this.#pendingHead = 0;
    this.resync();
  }

  /** A queue was lost (audisp-remote or auditd ended): the next anchor places the count wherever it says. */
  resync(): void {
    this.#slack = Number.POSITIVE_INFINITY;
  }

  /** The collector acknowledged `n` records. */
  acked(n: number): void {
    if (this.#delivered === undefined) return;
    for (let i = 0; i < n; i++) if (!this.#deliverNext()) this.#ahead = Math.min(MARGIN, this.#ahead + 1);
  }

  /** Delivers the next position the queue did not drop; false when the tap has not numbered it yet. */
  #deliverNext(): boolean {
    const delivered = this.#delivered;
    if (delivered === undefined) return true;
    const next = this.queue.next(delivered);
    if (next > this.#position) return false;
    this.#delivered = next;
    this.queue.left(next, next > this.#position - HISTORY);
    return true;
  }

  /**
   * audisp-remote was idle after the acknowledgement it got at `ackAt` (ms; relay.idleReplyAt): everything
   * that entered before `ackAt − TRANSIT_MS` is delivered.
   */
  anchor(ackAt: number): void {
    if (!this.#tapping || ackAt <= this.#anchorAt) return;
    const at = this.#positionAt(ackAt - TRANSIT_MS);
    if (at === undefined) return;
    this.#anchorAt = ackAt;
    const episodes = this.queue.episodes;
    const slack = this.#slack + (episodes - this.#episodes) * this.queue.limits.slack;
    const delivered = this.#delivered;
    // Far past the count: audisp-remote was busy with a backlog, not idle (see above).
    if (delivered !== undefined && at > delivered + slack) return;
    this.#delivered = at;
    this.#ahead = 0;
    // The first anchor after a resync places the count; later ones spend the budget going forward.
    this.#slack =
      delivered === undefined || slack === Number.POSITIVE_INFINITY
        ? ANCHOR_SLACK
        : slack - Math.max(0, at - delivered);
    this.#episodes = episodes;
    this.queue.reset(at, this.#all - (this.allAt(at) ?? 0));
  }

  /** The first position that may not have reached the collector, looking back `capacity` without a count. */
  riskFrom(capacity: number): number {
    const delivered = this.#delivered;
    const from = delivered === undefined ? this.#position - capacity : delivered - MARGIN - this.oursLag;
    return Math.max(0, from);
  }

  #enter(): number {
    this.#position++;
    this.#entered[this.#position % HISTORY] = this.#now();
    this.#allAt[this.#position % HISTORY] = this.#all;
    return this.#position;
  }

  /** The newest position that had entered by `time`; undefined when that is older than the history. */
  #positionAt(time: number): number | undefined {
    const newest = this.#position;
    const oldest = Math.max(1, newest - HISTORY + 1);
    if (newest === 0 || (this.#entered[oldest % HISTORY] ?? 0) > time) return oldest === 1 ? 0 : undefined;
    let low = oldest;
    let high = newest;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#entered[mid % HISTORY] ?? 0) <= time) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
