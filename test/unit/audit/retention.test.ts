import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitRecord } from '../../../src/audit/record.js';
import { ENTRY_HEADER, type Eviction, Retention } from '../../../src/audit/retention.js';

const record = (text: string): EmitRecord => ({
  kind: 'user',
  type: 1121,
  message: text,
  addr: null,
  success: true,
});

/** An entry's size in the ring: header and text, rounded up to 8 bytes. */
const sized = (textBytes: number) => (ENTRY_HEADER + textBytes + 7) & ~7;

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
    assert.deepEqual([r.count, r.oldestSeq, r.oldestAt], [3, 3, 300]);
    assert.equal(r.bytes, 3 * sized(1));
  });

  it('holds to the byte bound by letting the oldest go early', () => {
    const evicted: Array<[number, Eviction]> = [];
    const each = sized(10);
    const r = new Retention({ windowMs: 60_000, maxBytes: 3 * each }, (e, why) => evicted.push([e.seq, why]));
    for (let seq = 1; seq <= 5; seq++) r.add(seq, record('0123456789'), 0, seq);
    assert.deepEqual(evicted, [
      [1, 'size'],
      [2, 'size'],
    ]);
    assert.ok(r.bytes <= 3 * each);
    r.setLimits({ windowMs: 60_000, maxBytes: each }, 0);
    assert.deepEqual([r.count, r.oldestSeq], [1, 5]);
  });

  it('keeps nothing with maxBytes 0, and refuses an entry larger than the ring', () => {
    const evicted: number[] = [];
    const r = new Retention({ windowMs: 60_000, maxBytes: 0 }, (e) => evicted.push(e.seq));
    r.add(1, record('x'), 0, 1);
    r.setLimits({ windowMs: 60_000, maxBytes: sized(4) }, 0);
    r.add(2, record('12345678'), 0, 2);
    r.add(3, record('1234'), 0, 3);
    assert.deepEqual([evicted, r.count, r.oldestSeq], [[1, 2], 1, 3]);
  });

  it('selects by write position, and a copy writes through while the store holds it', () => {
    const evicted: Array<{ seq: number; queued: boolean; wrote: number }> = [];
    const r = new Retention({ windowMs: 60_000, maxBytes: 1 << 20 }, (e) =>
      evicted.push({ seq: e.seq, queued: e.queued, wrote: e.wrote }),
    );
    for (const seq of [1, 2, 3, 4]) r.add(seq, record(`r${seq}`), 0, seq * 10);
    const copies = r.writtenAfter(20);
    assert.deepEqual(
      copies.map((e) => [e.seq, e.record.kind === 'user' ? e.record.message : '']),
      [
        [3, 'r3'],
        [4, 'r4'],
      ],
    );
    assert.equal(r.countWrittenAfter(20), 2);
    for (const copy of copies) copy.queued = true;
    assert.equal(r.countWrittenAfter(20), 0, 'queued for a re-send: not counted, not selected');
    assert.deepEqual(
      r.writtenAfter(0).map((e) => e.seq),
      [1, 2],
    );
    const [three] = copies;
    if (three !== undefined) {
      three.wrote = 99;
      three.queued = false;
    }
    assert.equal(r.countWrittenAfter(40), 1, 'the new write position is in the store');
    if (three !== undefined) three.queued = true;
    r.setLimits({ windowMs: 60_000, maxBytes: 2 * sized(2) }, 0);
    assert.deepEqual(
      evicted.map((e) => e.seq),
      [1, 2],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((seq) => r.holds({ seq })),
      [false, false, true, true],
    );
    // After the resize (entries moved), the copies still find theirs.
    for (const copy of copies) copy.queued = false;
    r.setLimits({ windowMs: 60_000, maxBytes: 0 }, 0);
    assert.deepEqual(evicted.slice(2), [
      { seq: 3, queued: false, wrote: 99 },
      { seq: 4, queued: false, wrote: 40 },
    ]);
  });

  it('gives back every kind of record exactly (acct, addresses, UTF-8, failure)', () => {
    const records: EmitRecord[] = [
      { kind: 'acct', type: 1100, op: 'login id=7', acct: 'jürgen "x"', addr: '10.0.0.1', success: false },
      { kind: 'user', type: 2501, message: 'op=é', addr: '', success: true },
      { kind: 'user', type: 1121, message: '', addr: null, success: false },
    ];
    const r = new Retention({ windowMs: 60_000, maxBytes: 1 << 16 }, () => undefined);
    for (const [i, rec] of records.entries()) r.add(i + 1, rec, 0, i + 1);
    assert.deepEqual(
      r.writtenAfter(0).map((e) => e.record),
      records,
    );
  });

  it('matches a plain list under a random stream of adds, expiries and resizes (wrap-around included)', () => {
    let state = 12345;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    type Kept = { seq: number; at: number; bytes: number; text: string };
    for (let round = 0; round < 20; round++) {
      let maxBytes = 200 + rand(4000);
      const windowMs = 50 + rand(500);
      const model: Kept[] = [];
      const out: number[] = [];
      const modelOut: number[] = [];
      const r = new Retention({ windowMs, maxBytes }, (e) => out.push(e.seq));
      const fit = () => {
        let used = model.reduce((n, k) => n + k.bytes, 0);
        while (used > (maxBytes & ~7)) {
          const gone = model.shift();
          if (gone === undefined) break;
          used -= gone.bytes;
          modelOut.push(gone.seq);
        }
      };
      for (let seq = 1, now = 0; seq <= 2000; seq++, now += rand(3)) {
        const text = 'x'.repeat(rand(120));
        r.add(seq, record(text), now, seq);
        const bytes = sized(text.length);
        if (bytes > (maxBytes & ~7)) modelOut.push(seq);
        else {
          // The ring may also drop entries to find contiguous room: follow what it did, then check it
          // only dropped the oldest, and only while the list would not fit.
          model.push({ seq, at: now, bytes, text });
          while (model.length > 0 && (model[0]?.seq ?? 0) < (r.oldestSeq ?? seq + 1))
            modelOut.push(model.shift()?.seq ?? 0);
        }
        if (rand(10) === 0) {
          r.expire(now);
          while (model.length > 0 && (model[0]?.at ?? 0) < now - windowMs)
            modelOut.push(model.shift()?.seq ?? 0);
        }
        if (rand(200) === 0) {
          maxBytes = 200 + rand(4000);
          r.setLimits({ windowMs, maxBytes }, Number.NEGATIVE_INFINITY);
          fit();
        }
        assert.deepEqual(out, modelOut, `round ${round}, seq ${seq}: evicted oldest first`);
        assert.equal(r.count, model.length);
        assert.equal(
          r.bytes,
          model.reduce((n, k) => n + k.bytes, 0),
        );
        assert.ok(r.bytes <= (maxBytes & ~7));
      }
      assert.deepEqual(
        r.writtenAfter(0).map((e) => [e.seq, e.record.kind === 'user' ? e.record.message : '']),
        model.map((k) => [k.seq, k.text]),
      );
    }
  });

  it('a ring never drops more than fragmentation forces: it holds at least half its bytes once full', () => {
    const r = new Retention({ windowMs: 1e9, maxBytes: 64 * 1024 }, () => undefined);
    let state = 7;
    for (let seq = 1; seq <= 20_000; seq++) {
      state = (state * 48271) % 0x7fffffff;
      r.add(seq, record('y'.repeat(state % 400)), 0, seq);
      if (seq > 1000) assert.ok(r.bytes >= 32 * 1024, `${r.bytes} bytes held at ${seq}`);
    }
  });
});
