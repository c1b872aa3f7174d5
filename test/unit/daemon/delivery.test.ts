/**
 * The delivered position: anchored when audisp-remote was idle after a reply (everything that entered a
 * transit time before is delivered), moved by acknowledgements, unknown without the tap, before an anchor
 * and after an overrun; the look-back then is the FIFO's capacity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANCHOR_SLACK, Delivery, MARGIN, TRANSIT_MS } from '../../../src/daemon/delivery.js';

function setup() {
  let now = 1_000_000;
  const d = new Delivery(() => now);
  return { d, advance: (ms: number) => (now += ms), now: () => now };
}

describe('delivery', () => {
  it('is unknown until an anchor; then what entered a transit time before the idle reply is delivered', () => {
    const t = setup();
    t.d.startTapping();
    for (let i = 0; i < 10; i++) t.d.tapped(); // at T
    t.advance(TRANSIT_MS);
    for (let i = 0; i < 5; i++) t.d.tapped(); // at T + TRANSIT_MS: maybe still in transit
    assert.equal(t.d.delivered, undefined);
    assert.equal(t.d.riskFrom(100), 0, 'capacity look-back: 15 − 100, at least 0');
    t.d.anchor(t.now()); // idle after a reply just now
    assert.equal(t.d.delivered, 10);
    t.d.acked(3);
    assert.equal(t.d.delivered, 13);
    t.d.acked(100);
    assert.equal(t.d.delivered, 15, 'never past what entered');
    assert.equal(t.d.riskFrom(1_000_000), 0, 'delivered − MARGIN, at least 0');
  });

  it('ignores an anchor older than the one it has, and one before its history', () => {
    const t = setup();
    t.d.startTapping();
    t.advance(10);
    for (let i = 0; i < 300; i++) t.d.tapped();
    t.advance(TRANSIT_MS + 1);
    t.d.anchor(t.now());
    t.d.acked(0);
    assert.equal(t.d.delivered, 300);
    t.d.anchor(t.now() - 5);
    assert.equal(t.d.delivered, 300);
    assert.equal(t.d.riskFrom(10), 300 - MARGIN);
  });

  it('lets anchors move the count forward by ANCHOR_SLACK in all until a resync, never renewed by each', () => {
    const t = setup();
    t.d.startTapping();
    for (let i = 0; i < 100; i++) t.d.tapped();
    t.advance(TRANSIT_MS + 1);
    t.d.anchor(t.now());
    assert.equal(t.d.delivered, 100);
    // A long backlog over a slow link: records keep entering, few are acknowledged, and the event loop
    // now and then sees a busy audisp-remote as idle. Each false anchor lies a little ahead of the count.
    let truth = 100;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) t.d.tapped();
      t.advance(TRANSIT_MS + 1);
      t.d.acked(2);
      truth += 2;
      t.d.anchor(t.now() - TRANSIT_MS - 1 + 0.5); // covers what entered just now: far ahead
      const est = t.d.delivered ?? 0;
      assert.ok(est - truth <= ANCHOR_SLACK, `round ${round}: ${est} is ${est - truth} past the truth`);
    }
    assert.ok(t.d.riskFrom(0) <= truth, 'the next lost queue re-sends from at or before the truth');
    t.d.resync();
    t.advance(1);
    t.d.anchor(t.now());
    assert.equal(t.d.delivered, 100 + 50 * 40, 'after a resync the next anchor places the count');
  });

  it('forgets the delivered position when the tap missed records, and counts only ours without a tap', () => {
    const t = setup();
    t.d.startTapping();
    t.d.tapped();
    t.advance(TRANSIT_MS + 1);
    t.d.anchor(t.now());
    t.d.overrun();
    assert.equal(t.d.delivered, undefined);
    const plain = setup();
    assert.equal(plain.d.ours(), 1);
    assert.equal(plain.d.ours(), 2);
    plain.d.anchor(plain.now() + 1000);
    assert.equal(plain.d.delivered, undefined, 'our records alone cannot place acknowledgements');
  });
  it('knows how far the tap read ours past the position they were given, and forgets it two windows on', () => {
    const t = setup();
    t.d.startTapping();
    for (let i = 0; i < 300; i++) t.d.tapped();
    assert.equal(t.d.oursLag, 0);
    assert.equal(t.d.ours(), 301, 'given the next position');
    for (let i = 0; i < 3; i++) t.d.tapped(); // others read before it: 301, 302, 303
    assert.equal(t.d.oursLag, 3, 'not yet read: it is at least 304, 3 past 301');
    assert.equal(t.d.tappedOurs(), 304);
    assert.equal(t.d.oursLag, 3, 'read 3 past');
    assert.equal(t.d.ours(), 305);
    assert.equal(t.d.tappedOurs(), 305);
    assert.equal(t.d.oursLag, 3, 'the largest of the window');
    t.d.anchor(t.now() + TRANSIT_MS);
    assert.equal(t.d.delivered, 305);
    assert.equal(t.d.riskFrom(1000), 305 - MARGIN - 3, 'a lost queue looks back that much more');
    t.advance(10_000);
    assert.equal(t.d.oursLag, 3, 'the window before still counts');
    t.advance(10_000);
    assert.equal(t.d.oursLag, 0, 'two windows on: forgotten');
    t.d.ours();
    t.d.overrun(); // the tap missed records: which read is which is no longer known
    t.d.tapped();
    assert.equal(t.d.oursLag, 0);
  });
});
