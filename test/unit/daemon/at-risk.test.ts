/**
 * Which retained records are at risk: an overflow range closes when auditd's queue is back within its
 * room (what comes later went into a working path), a loss range stays open until a re-send takes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Retention } from '../../../src/audit/retention.js';
import { AtRisk } from '../../../src/daemon/at-risk.js';

function setup() {
  const store = new Retention({ windowMs: 60_000, maxBytes: 1 << 20 }, () => undefined);
  const risk = new AtRisk([store]);
  let position = 0;
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      position++;
      store.add(position, { kind: 'foreign', type: 1100, text: `r${position}` }, 0, position);
      risk.added();
    }
  };
  return { store, risk, add, position: () => position };
}

describe('records at risk', () => {
  it('an overflow range ends where the queue had room again', () => {
    const t = setup();
    t.add(5);
    t.risk.set(3, 'overflow'); // 4 and 5
    t.add(2); // 6 and 7: still past the room
    assert.equal(t.risk.count, 4);
    t.risk.close(t.position());
    t.add(3); // 8–10 went into a queue with room
    assert.equal(t.risk.count, 4);
    t.risk.set(9, 'overflow'); // a second overflow: 10 on
    t.add(1);
    assert.equal(t.risk.count, 6);
    const ranges = t.risk.take();
    assert.deepEqual(
      t.store.writtenWithin(ranges).map((e) => e.seq),
      [4, 5, 6, 7, 10, 11],
    );
    assert.equal(t.risk.any, false);
  });

  it('a loss range is not closed by the queue having room, and swallows the ranges after its start', () => {
    const t = setup();
    t.add(10);
    t.risk.set(7, 'overflow');
    t.risk.close(8);
    t.risk.set(2, 'loss');
    t.risk.close(10);
    t.add(2);
    assert.equal(t.risk.open, 'loss');
    assert.equal(t.risk.count, 10, '3–12');
    assert.equal(t.risk.left(1), false);
    assert.equal(t.risk.left(12), true);
    assert.equal(t.risk.count, 9);
  });
});
