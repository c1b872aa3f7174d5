/**
 * Recovery against a fake emitter (which, like the real one, reports every accepted record to `accepted`
 * before answering) and a fake clock: what is written again after a lost queue and after a long hold,
 * how (ours marked, others' wrapped, in the order they entered forwarding), what a held collector outage
 * costs (nothing), what counts as lost, and a second loss in the middle of a re-send.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitOutcome } from '../../../src/audit/outcome.js';
import type { EmitRecord } from '../../../src/audit/record.js';
import { ENTRY_HEADER } from '../../../src/audit/retention.js';
import { MARGIN, TRANSIT_MS } from '../../../src/daemon/delivery.js';
import { Recovery, TAP_CATCH_UP_MS } from '../../../src/daemon/recovery.js';
import type { Logger } from '../../../src/log/logger.js';

const quiet: Logger = {
  error: () => quiet,
  warning: () => quiet,
  notice: () => quiet,
  info: () => quiet,
  debug: () => quiet,
  crit: () => quiet,
} as unknown as Logger;

const record = (i: number): EmitRecord => ({
  kind: 'user',
  type: 1121,
  message: `i="${i}"`,
  addr: null,
  success: true,
});

interface Options {
  capacity: number;
  queueRoom?: number;
  queueCapacity?: number;
  windowMs?: number;
  maxBytes?: number;
  hold?: boolean;
  tap?: boolean;
}

function setup(options: Options) {
  let now = 1_000_000;
  let seq = 0;
  const written: EmitRecord[] = [];
  const held: Array<() => void> = [];
  let heartbeats = 0;
  const limits = { windowMs: options.windowMs ?? 60_000, maxBytes: options.maxBytes ?? 1 << 20 };
  const recovery: Recovery = new Recovery(
    { ours: limits, foreign: limits },
    {
      capacity: options.capacity,
      queueRoom: options.queueRoom ?? 1_000_000,
      queueCapacity: options.queueCapacity ?? 2_000_000,
      queueSlack: 10,
      rate: 1_000_000,
      burst: 1_000_000,
    },
    {
      emit: (r) =>
        new Promise<EmitOutcome>((resolve) => {
          const answer = () => {
            const s = ++seq;
            recovery.accepted(r, s);
            if (options.tap === true) recovery.tappedOurs();
            written.push(r);
            resolve({ ok: true, seq: s });
          };
          if (options.hold === true) held.push(answer);
          else answer();
        }),
      heartbeat: () => void heartbeats++,
      log: quiet,
      now: () => now,
    },
  );
  if (options.tap === true) recovery.delivery.startTapping();
  /** n records of ours (tapped too, when tapping). */
  const ours = (n: number) => {
    for (let i = 0; i < n; i++) {
      recovery.accepted(record(seq + 1), ++seq);
      if (options.tap === true) recovery.tappedOurs();
    }
  };
  /** n records of another program, as the tap reads them. */
  const others = (n: number, from = 0) => {
    for (let i = 0; i < n; i++) recovery.tappedForeign(1100, `audit(1.000:${from + i}): other=${from + i}`);
  };
  // The re-send starts TAP_CATCH_UP_MS after records flow again.
  const settle = () => new Promise((resolve) => setTimeout(resolve, TAP_CATCH_UP_MS + 50));
  const resent = () => written.filter((r) => r.resend !== undefined).map((r) => r.resend?.seq);
  const wrapped = () =>
    written
      .filter((r) => r.kind === 'user' && r.message.startsWith('op=auditrelay-wrap'))
      .map((r) => (r.kind === 'user' ? /ar_wid=(\d+)/.exec(r.message)?.[1] : undefined));
  return {
    recovery,
    ours,
    others,
    settle,
    resent,
    wrapped,
    held,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
      recovery.ours.expire(now);
      recovery.foreign.expire(now);
    },
    heartbeats: () => heartbeats,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(done: () => boolean, ms = 3000): Promise<void> {
  for (const until = Date.now() + ms; !done(); await sleep(10))
    if (Date.now() > until) throw new Error('timed out');
}

/**
 * auditd's queue of room 10 and capacity 14 (q_depth and what audisp-remote holds), with the tap: 10 of
 * the others' delivered (audisp-remote idle after a reply), then the collector connection lost.
 */
function queueOfTenThenDown() {
  const t = setup({ capacity: 1_000_000, queueRoom: 10, queueCapacity: 14, tap: true });
  t.others(10, 1);
  t.advance(100);
  t.recovery.tick(t.now());
  t.recovery.down('the collector closed the connection');
  return t;
}

describe('recovery', () => {
  it('writes nothing again after a collector outage the relay held: nothing was lost', async () => {
    const t = setup({ capacity: 2 });
    t.ours(5);
    t.recovery.down('the collector closed the connection');
    t.ours(3);
    t.recovery.up();
    await t.settle();
    assert.deepEqual(t.resent(), []);
    assert.deepEqual([t.recovery.status.interruptions, t.recovery.status.queue_losses], [1, 0]);
  });

  it('without a tap, writes again what was written within capacity of a lost queue, marked', async () => {
    const t = setup({ capacity: 2 });
    t.ours(5);
    t.recovery.lost('audisp-remote 42 ended');
    t.ours(2); // until forwarding carries records again
    assert.equal(t.recovery.status.at_risk, 4);
    t.recovery.up();
    await t.settle();
    assert.deepEqual(t.resent(), [4, 5, 6, 7]);
    const s = t.recovery.status;
    assert.deepEqual([s.queue_losses, s.resent, s.lost, s.at_risk, s.resending], [1, 4, 0, 0, 0]);
    assert.equal(t.heartbeats(), 1, 'a heartbeat closes the recovery');
  });

  it('with the tap, writes again only what lies past the acknowledged position, others wrapped, in order', async () => {
    const t = setup({ capacity: 1_000_000, tap: true });
    t.ours(MARGIN);
    t.others(200, 1);
    t.advance(TRANSIT_MS + 1);
    t.recovery.tick(t.now()); // audisp-remote idle after a reply now: all that entered before is delivered
    assert.equal(t.recovery.status.delivered, MARGIN + 200);
    t.others(1, 1000); // position 457
    t.ours(2); // 458, 459: their ar_seq are MARGIN + 1, MARGIN + 2
    t.recovery.acked(1); // 457 delivered
    t.others(1, 2000); // 460
    t.recovery.lost('audisp-remote 42 ended');
    t.recovery.up();
    await t.settle();
    // At risk: positions after 457 − MARGIN = 201. Ours at positions 202–256 (ar_seq the same) and the two
    // at 458–459 (ar_seq 257–258); others at 257–456, 457 and 460 — the delivered ones within MARGIN too.
    const wrapped = t.wrapped().map(Number);
    assert.equal(wrapped.length, 202);
    assert.deepEqual(wrapped.slice(-2), [457, 460], 'others by the position they entered at');
    assert.deepEqual(
      t.resent(),
      Array.from({ length: 57 }, (_, i) => 202 + i),
    );
    assert.equal(t.recovery.status.resent_foreign, 202);
    assert.equal(t.recovery.status.resent, 57);
  });

  it('counts as lost exactly the records at risk that aged out before forwarding carried records again', async () => {
    // No look-back: at risk is only what was written after the loss.
    const t = setup({ capacity: 0, windowMs: 5000 });
    t.ours(3);
    t.advance(1000);
    t.recovery.lost('auditd 7 ended');
    t.ours(4);
    t.others(2);
    t.advance(4500); // nothing older than the window yet
    assert.equal(t.recovery.status.lost, 0);
    t.advance(1000); // all of them age out before forwarding is back
    t.ours(2);
    assert.deepEqual([t.recovery.status.lost, t.recovery.status.lost_foreign], [4, 2]);
    t.recovery.up();
    await t.settle();
    assert.deepEqual(t.resent(), [8, 9]);
  });

  it("puts at risk what enters auditd's queue past its room, and re-sends only as the queue has room", async () => {
    const t = queueOfTenThenDown();
    t.others(9, 100);
    t.recovery.tick(undefined);
    assert.equal(t.recovery.status.at_risk, 0, 'within the room');
    t.others(6, 200); // 20 is the tenth held; 21–24 enter past the room; 25 finds the queue full
    t.recovery.tick(undefined);
    assert.deepEqual([t.recovery.status.at_risk, t.recovery.status.queued], [5, 14]);
    t.recovery.up();
    await t.settle();
    assert.deepEqual(t.wrapped(), [], 'not while the queue is full: the re-send would be dropped');
    t.recovery.acked(12); // audisp-remote works off 11–22: 2 left, the re-send fills to half the room
    await waitFor(() => t.wrapped().length === 3);
    await sleep(300);
    assert.deepEqual(t.wrapped().map(Number), [21, 22, 23]);
    t.recovery.acked(2);
    assert.equal(t.recovery.status.delivered, 24);
    await waitFor(() => t.wrapped().length === 5);
    assert.deepEqual(t.wrapped().map(Number), [21, 22, 23, 24, 25]);
    t.recovery.acked(1);
    assert.equal(t.recovery.status.delivered, 26, 'the dropped 25 is never acknowledged: skipped');
  });

  it('puts at risk one of ours that the tap read past the room, though it was accepted before the queue got there', async () => {
    // Ours get their write position when the kernel accepts them; the tap reads them a moment later, after
    // records of others that entered meanwhile. The risk starts where the tap saw the queue pass its room.
    const t = queueOfTenThenDown();
    t.others(9, 100);
    t.recovery.accepted(record(1000), 1000); // written when 19 had entered
    t.others(2, 200); // 20 is the tenth held; 21 enters past the room
    t.recovery.tappedOurs(); // ours is 22: past the room
    t.recovery.tick(undefined);
    // Ours was read 2 positions past the one it was given: the risk from 21 starts 2 earlier for every
    // record (19 and 20 of the others too: written again, never missed).
    assert.equal(t.recovery.status.at_risk, 4, "the others' 19–21 and ours");
    t.recovery.up();
    t.recovery.acked(12);
    await waitFor(() => t.resent().length === 1);
    assert.deepEqual(t.resent(), [1000]);
  });

  it('keeps putting at risk what enters while auditd works off a full queue after the outage', async () => {
    const t = queueOfTenThenDown();
    t.others(10, 100); // the queue is at its room
    t.recovery.up();
    t.others(3, 200); // still past the room: 21–23 at risk
    t.recovery.tick(undefined);
    assert.equal(t.recovery.status.at_risk, 3);
    t.recovery.acked(10);
    await waitFor(() => t.wrapped().length === 2);
    t.recovery.acked(2);
    await waitFor(() => t.wrapped().length === 3);
    assert.deepEqual(t.wrapped().map(Number), [21, 22, 23]);
  });

  it('does not take a busy audisp-remote for an idle one: an anchor far past the count is ignored', () => {
    const t = setup({ capacity: 1_000_000, tap: true });
    t.others(10, 1);
    t.advance(100);
    t.recovery.tick(t.now());
    assert.equal(t.recovery.status.delivered, 10);
    t.others(MARGIN + 100, 100);
    t.recovery.acked(5);
    t.advance(100);
    t.recovery.tick(t.now()); // "idle" as the event loop saw it, with hundreds not yet acknowledged
    assert.equal(t.recovery.status.delivered, 15, 'the count stands');
    t.recovery.lost('audisp-remote 3 ended');
    t.advance(100);
    t.recovery.tick(t.now()); // after a lost queue, the anchor places the count
    assert.equal(t.recovery.status.delivered, MARGIN + 110);
  });

  it('keeps every unsent record at risk when a second loss cuts a re-send short', async () => {
    const t = setup({ capacity: 3, hold: true });
    t.ours(4);
    for (const answer of t.held.splice(0)) answer();
    t.recovery.lost('audisp-remote 1 ended');
    t.recovery.up(); // re-sends 2, 3, 4; their answers are held
    await t.settle();
    assert.equal(t.held.length, 3);
    t.recovery.lost('audisp-remote 2 ended');
    for (const answer of t.held.splice(0)) answer();
    await t.settle();
    t.recovery.up();
    await t.settle();
    for (const answer of t.held.splice(0)) answer();
    await t.settle();
    assert.deepEqual(t.resent(), [2, 3, 4, 2, 3, 4], 'written twice: the first re-send may have died too');
    assert.equal(t.recovery.status.queue_losses, 2);
  });

  it('counts what the byte bound pushes out outside an outage as early, not lost', () => {
    // Room for three records (`i="N"`: 6 bytes of text and a header, 8-aligned).
    const t = setup({ capacity: 10, maxBytes: 3 * (ENTRY_HEADER + 8) });
    t.ours(10);
    const s = t.recovery.status;
    assert.ok(s.evicted_early >= 7, `${s.evicted_early}`);
    assert.equal(s.lost, 0);
  });
});
