import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitRecord } from '../../../src/audit/record.js';
import { ENTRY_OVERHEAD, type Eviction, Retention } from '../../../src/audit/retention.js';

const record = (text: string): EmitRecord => ({
  kind: 'user',
  type: 1121,
  message: text,
  addr: null,
  success: true,
});

describe('retention', () => {
  it('keeps records for the window, oldest out first, and says why each left', () => {
    const evicted: Array<[number, Eviction]> = [];
    const r = new Retention({ windowMs: 1000, maxBytes: 1 << 20 }, (e, why) => evicted.push([e.seq, why]));
    for (let seq = 1; seq <= 5; seq++) r.add(seq, record('x'), seq * 100, seq);
    r.expire(1250);
    assert.deepEqual(evicted, [
      [1, 'expired'],
      [2, 'expired'],
    ]);
    assert.deepEqual([r.count, r.oldest?.seq], [3, 3]);
    assert.equal(r.bytes, 3 * (1 + ENTRY_OVERHEAD));
  });

  it('holds to the byte bound by letting the oldest go early', () => {
    const evicted: Array<[number, Eviction]> = [];
    const each = 10 + ENTRY_OVERHEAD;
    const r = new Retention({ windowMs: 60_000, maxBytes: 3 * each }, (e, why) => evicted.push([e.seq, why]));
    for (let seq = 1; seq <= 5; seq++) r.add(seq, record('0123456789'), 0, seq);
    assert.deepEqual(evicted, [
      [1, 'size'],
      [2, 'size'],
    ]);
    assert.ok(r.bytes <= 3 * each);
    r.setLimits({ windowMs: 60_000, maxBytes: each }, 0);
    assert.deepEqual([r.count, r.oldest?.seq], [1, 5]);
  });

  it('selects by write position and tells which entries it still holds', () => {
    const r = new Retention({ windowMs: 60_000, maxBytes: 1 << 20 }, () => undefined);
    const entries = [1, 2, 3, 4].map((seq) => r.add(seq, record('x'), 0, seq * 10));
    assert.deepEqual(
      r.select((e) => e.wrote > 20).map((e) => e.seq),
      [3, 4],
    );
    r.setLimits({ windowMs: 60_000, maxBytes: 2 * (1 + ENTRY_OVERHEAD) }, 0);
    assert.deepEqual(
      entries.map((e) => r.holds(e)),
      [false, false, true, true],
    );
  });

  it('stays compact under a long stream (the dead head is dropped)', () => {
    const r = new Retention({ windowMs: 10, maxBytes: 1 << 30 }, () => undefined);
    for (let seq = 1; seq <= 100_000; seq++) {
      r.add(seq, record('x'), seq, seq);
      r.expire(seq);
    }
    assert.ok(r.count <= 11, `${r.count} kept`);
  });
});
