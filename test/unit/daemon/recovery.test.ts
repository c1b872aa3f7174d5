/**
 * Recovery against a fake emitter (which, like the real one, reports every accepted record to
 * `accepted` before answering) and a fake clock: which records are written again, how the re-send is
 * marked, what counts as lost, and a second interruption in the middle of a re-send.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitOutcome } from '../../../src/audit/outcome.js';
import type { EmitRecord } from '../../../src/audit/record.js';
import { ENTRY_HEADER } from '../../../src/audit/retention.js';
import { Recovery } from '../../../src/daemon/recovery.js';
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

function setup(options: { capacity: number; windowMs?: number; maxBytes?: number; hold?: boolean }) {
  let now = 1_000_000;
  let seq = 0;
  const resent: EmitRecord[] = [];
  const held: Array<() => void> = [];
  let heartbeats = 0;
  const recovery: Recovery = new Recovery(
    { windowMs: options.windowMs ?? 60_000, maxBytes: options.maxBytes ?? 1 << 20 },
    { capacity: options.capacity, rate: 1_000_000, burst: 1_000_000 },
    {
      emit: (r) =>
        new Promise<EmitOutcome>((resolve) => {
          const answer = () => {
            const s = r.resend?.seq ?? ++seq;
            recovery.accepted(r, s);
            if (r.resend !== undefined) resent.push(r);
            resolve({ ok: true, seq: s });
          };
          if (options.hold === true && r.resend !== undefined) held.push(answer);
          else answer();
        }),
      heartbeat: () => void heartbeats++,
      log: quiet,
      now: () => now,
    },
  );
  const write = (n: number) => {
    for (let i = 0; i < n; i++) recovery.accepted(record(seq + 1), ++seq);
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return {
    recovery,
    write,
    settle,
    resent,
    held,
    advance: (ms: number) => {
      now += ms;
      recovery.retention.expire(now);
    },
    heartbeats: () => heartbeats,
  };
}

describe('recovery', () => {
  it('writes again, marked with their number and time, the records written after healthy − capacity', async () => {
    const t = setup({ capacity: 2 });
    t.write(5);
    t.recovery.healthy();
    t.recovery.interrupted('audisp-remote is not running');
    t.write(2); // during the outage
    assert.equal(t.recovery.status.at_risk, 4);
    t.recovery.recovered();
    await t.settle();
    assert.deepEqual(
      t.resent.map((r) => r.resend?.seq),
      [4, 5, 6, 7],
    );
    assert.ok(t.resent.every((r) => r.resend?.at === 1_000_000));
    assert.equal(t.resent[0]?.kind === 'user' ? t.resent[0].message : '', 'i="4"', 'the original text');
    const s = t.recovery.status;
    assert.deepEqual([s.interruptions, s.resent, s.lost, s.at_risk, s.resending], [1, 4, 0, 0, 0]);
    assert.equal(t.heartbeats(), 1, 'a heartbeat closes the recovery');
  });

  it('counts as lost exactly the records written after the last healthy check that aged out first', async () => {
    const t = setup({ capacity: 100, windowMs: 5000 });
    t.write(3);
    t.recovery.healthy();
    t.advance(1000);
    t.recovery.interrupted('no connection to the collector port 60');
    t.write(4);
    t.advance(4500); // 1-3 age out (written before: not counted), 4-7 still held
    assert.equal(t.recovery.status.lost, 0);
    t.advance(1000); // 4-7 age out before forwarding is back
    t.write(2);
    assert.equal(t.recovery.status.lost, 4);
    t.recovery.recovered();
    await t.settle();
    assert.deepEqual(
      t.resent.map((r) => r.resend?.seq),
      [8, 9],
    );
    assert.equal(t.recovery.status.lost, 4);
  });

  it('keeps every unsent record at risk when a second interruption cuts a re-send short', async () => {
    const t = setup({ capacity: 3, hold: true });
    t.write(4);
    t.recovery.healthy();
    t.recovery.interrupted('audisp-remote is not running');
    t.recovery.recovered(); // re-sends 2, 3, 4; their answers are held
    await t.settle();
    assert.equal(t.held.length, 3);
    t.recovery.interrupted('audisp-remote was replaced (now 99)');
    for (const answer of t.held.splice(0)) answer();
    await t.settle();
    t.recovery.recovered();
    await t.settle();
    for (const answer of t.held.splice(0)) answer();
    await t.settle();
    assert.deepEqual(
      t.resent.map((r) => r.resend?.seq),
      [2, 3, 4, 2, 3, 4],
      'written twice: the first re-send may have died with audisp-remote',
    );
    assert.equal(t.recovery.status.interruptions, 2);
  });

  it('counts what the byte bound pushes out outside an outage as early, not lost', () => {
    // Room for three records (`i="N"`: 6 bytes of text and a header, 8-aligned).
    const t = setup({ capacity: 10, maxBytes: 3 * (ENTRY_HEADER + 8) });
    t.write(10);
    const s = t.recovery.status;
    assert.ok(s.evicted_early >= 7, `${s.evicted_early}`);
    assert.equal(s.lost, 0);
  });
});
