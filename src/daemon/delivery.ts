/**
 * How far forwarding got: positions in the stream of records that enter forwarding, and the position up
 * to which the collector has acknowledged them.
 *
 * Forwarding is one FIFO — kernel → auditd's queue → the pipe → audisp-remote → the collector — and
 * audisp-remote is stop-and-wait: every record the collector acknowledges is the oldest one still in the
 * FIFO. With the tap, every record entering forwarding gets a position (EOE records excepted: audisp-remote
 * drops them) and the time it entered, and the relay sees each acknowledgement. So:
 * - when audisp-remote stays idle after an acknowledgement (no request for the relay's IDLE_MS; between two records
 *   of its queue it takes microseconds), its queue was empty then, and auditd had handed it everything
 *   that entered more than TRANSIT_MS before: all of that is delivered (an anchor);
 * - after the anchor, each acknowledgement delivers one more position.
 * When audisp-remote or auditd ends, what they held is exactly what lies past the delivered position.
 * Without the tap (only our records have positions), before the first anchor, or after the tap missed
 * records (an overrun), `delivered` is unknown and recovery falls back to the FIFO's capacity.
 *
 * An anchor only ever understates; so do lost records. Only auditd's own records (DAEMON_*, which the tap
 * does not see) overstate, by one position per acknowledgement of one: `MARGIN` positions before the
 * delivered one are written again for them.
 *
 * @relation(AR-REQ-018)
 */

/** A record that entered this long before reached audisp-remote (kernel → auditd → pipe). */
export const TRANSIT_MS = 50;
/** Positions re-sent before the delivered one (auditd's own records counted as ours; a tap's lag). */
export const MARGIN = 256;
/** Entry times remembered (at 500 records/s, two minutes): an older anchor cannot be placed. */
const HISTORY = 65_536;

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
  #anchorAt = Number.NEGATIVE_INFINITY;
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
    this.#delivered = undefined;
  }

  get tapping(): boolean {
    return this.#tapping;
  }

  /**
   * One of our records was accepted by the kernel; returns its position. With the tap, that is the next
   * one: the tap reads it a moment later and counts it then (tapped()).
   */
  ours(): number {
    if (this.#tapping) return this.#position + 1;
    return this.#enter();
  }

  /** The tap read a record (EOE excepted); returns its position. */
  tapped(): number {
    this.#all++;
    return this.#enter();
  }

  /** The tap read an EOE marker: no position, but it fills auditd's queue like any record. */
  marker(): void {
    this.#all++;
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

  /** The tap missed records: acknowledgements can no longer be placed until the next anchor. */
  overrun(): void {
    this.#delivered = undefined;
  }

  /** The collector acknowledged `n` records. */
  acked(n: number): void {
    if (this.#delivered !== undefined) this.#delivered = Math.min(this.#position, this.#delivered + n);
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
    this.#delivered = at;
  }

  /** The first position that may not have reached the collector, looking back `capacity` without a count. */
  riskFrom(capacity: number): number {
    const delivered = this.#delivered;
    return Math.max(0, delivered === undefined ? this.#position - capacity : delivered - MARGIN);
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
