/**
 * auditd's queue to audisp-remote, modelled from what enters it (the tap) and what leaves it (the
 * acknowledgements): how many records it holds (EOE markers too: auditd queues them, audisp-remote drops
 * them after reading), and which records it dropped because it was full. auditd (3.0.9 and 4.0.2,
 * `audisp/queue.c`) holds at most q_depth records and drops what comes while it is full, with a syslog
 * line for the first five only; while audisp-remote is held by the relay, nothing leaves it.
 *
 * The model holds `capacity` records: q_depth, the pipe to audisp-remote and what audisp-remote read
 * from it, counted generously. So it drops a record only when auditd certainly did; a record auditd
 * dropped that the model counts as held makes the delivered position lag (more is re-sent, never less)
 * by at most the slack, which is why an anchor may then move it that much further forward (delivery.ts).
 * Everything that enters past `room` (below q_depth) is put at risk, dropped or not.
 *
 * @relation(AR-REQ-018)
 */

export interface QueueLimits {
  /** What enters with more than this held is at risk (below q_depth: auditd's own records, timing). */
  readonly room: number;
  /** What enters with this many held is dropped (q_depth and what the pipe and audisp-remote hold). */
  readonly capacity: number;
  /** Of `capacity`, what is counted beyond q_depth: how much auditd may have dropped that the model holds. */
  readonly slack: number;
}

/** Dropped ranges remembered; past this, later drops are counted as held (the safe side). */
const MAX_RANGES = 4096;

export class AuditdQueue {
  #limits: QueueLimits = { room: Number.POSITIVE_INFINITY, capacity: Number.POSITIVE_INFINITY, slack: 0 };
  #held = 0;
  /** Per position (a ring): the records it holds in the queue — itself and the EOE markers after it. */
  readonly #weight: Uint8Array;
  /**
   * Positions the queue dropped, as [from, to] pairs from `#head` on, oldest first (gaps audisp-remote
   * never sends).
   */
  #dropped: number[] = [];
  #head = 0;
  #lastDropped = false;
  /** Held fell below `room` since dropping last began. */
  #armed = true;
  /** The first position that entered past `room` since the last takeOverflow(). */
  #overFrom: number | undefined;
  /**
   * Times dropping began with the queue below `room` before (each: the model may count as held up to
   * its slack of what auditd dropped).
   */
  #episodes = 0;

  constructor(history: number) {
    this.#weight = new Uint8Array(history);
  }

  setLimits(limits: QueueLimits): void {
    this.#limits = limits;
  }

  get limits(): QueueLimits {
    return this.#limits;
  }

  /** Records (EOE too) it holds now, as modelled. */
  get held(): number {
    return this.#held;
  }

  /** Times it began to drop, so far. */
  get episodes(): number {
    return this.#episodes;
  }

  /** A record at `position` entered: held, or dropped when full; at risk past `room` either way. */
  entered(position: number): void {
    const { room, capacity } = this.#limits;
    if (this.#held < room) this.#armed = true;
    else if (this.#overFrom === undefined) this.#overFrom = position;
    const slot = position % this.#weight.length;
    if (this.#held >= capacity) {
      this.#weight[slot] = 0;
      this.#drop(position);
      return;
    }
    this.#lastDropped = false;
    this.#weight[slot] = 1;
    this.#held++;
  }

  /** An EOE marker entered after the record at `position` (dropped with it when full). */
  marker(position: number): void {
    if (this.#lastDropped || this.#held >= this.#limits.capacity) return;
    const slot = position % this.#weight.length;
    this.#weight[slot] = Math.min(255, (this.#weight[slot] ?? 0) + 1);
    this.#held++;
  }

  /** The position audisp-remote sends after `p`: the next one the queue did not drop. */
  next(p: number): number {
    const d = this.#dropped;
    let next = p + 1;
    for (let i = this.#head; i < d.length; i += 2) {
      if ((d[i] ?? 0) > next) break;
      if ((d[i + 1] ?? 0) >= next) next = (d[i + 1] ?? 0) + 1;
    }
    return next;
  }

  /** audisp-remote took the record at `position` (and its EOE markers) from the queue. */
  left(position: number, inHistory: boolean): void {
    const weight = inHistory ? (this.#weight[position % this.#weight.length] ?? 1) : 1;
    this.#held = Math.max(0, this.#held - Math.max(1, weight));
    this.#forget(position);
  }

  /** An anchor: the queue holds `held` records, all after `position`. */
  reset(position: number, held: number): void {
    this.#held = held;
    this.#forget(position);
  }

  /** The first position that entered past `room` since the last call, if any. */
  takeOverflow(): number | undefined {
    const from = this.#overFrom;
    this.#overFrom = undefined;
    return from;
  }

  #drop(position: number): void {
    const d = this.#dropped;
    if (this.#armed) this.#episodes++;
    this.#armed = false;
    this.#lastDropped = true;
    const last = d.length - 1;
    if (last > this.#head && d[last] === position - 1) d[last] = position;
    else if (d.length - this.#head < 2 * MAX_RANGES) d.push(position, position);
  }

  /** Forgets the ranges before `position`; the list is compacted once they are half of it. */
  #forget(position: number): void {
    const d = this.#dropped;
    while (this.#head < d.length && (d[this.#head + 1] ?? 0) < position) this.#head += 2;
    if (this.#head > 0 && this.#head * 2 >= d.length) {
      this.#dropped = this.#dropped.slice(this.#head);
      this.#head = 0;
    }
  }
}
