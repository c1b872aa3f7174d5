/**
 * The delivered position: anchored when audisp-remote was idle after a reply (everything that entered a
 * transit time before is delivered), moved by acknowledgements, unknown without the tap, before an anchor
 * and after an overrun; the look-back then is the FIFO's capacity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Delivery, MARGIN, TRANSIT_MS } from '../../../src/daemon/delivery.js';

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
});
