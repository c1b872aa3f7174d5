import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer } from '../../../src/audit/pacer.js';

function clock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('pacer', () => {
  it('lets everything through when unpaced', () => {
    const pacer = new Pacer({ rate: 0, burst: 1 });
    assert.equal(pacer.grant(1_000_000), 1_000_000);
    assert.equal(pacer.waitMs(), 0);
  });

  it('grants the burst at once, then the rate, never more over any span', () => {
    const c = clock();
    const pacer = new Pacer({ rate: 1000, burst: 100 }, c.now);
    assert.equal(pacer.grant(500), 100);
    assert.equal(pacer.grant(1), 0);
    assert.equal(pacer.waitMs(), 1);
    let granted = 0;
    for (let ms = 0; ms < 2000; ms += 7) {
      c.advance(7);
      granted += pacer.grant(50);
    }
    // 2,002 ms at 1,000/s: at most 2,002 tokens earned after the burst was spent.
    assert.ok(granted <= 2002 && granted >= 1990, `granted ${granted}`);
  });

  it('refills no further than the burst after a quiet spell', () => {
    const c = clock();
    const pacer = new Pacer({ rate: 10, burst: 5 }, c.now);
    assert.equal(pacer.grant(5), 5);
    c.advance(60_000);
    assert.equal(pacer.grant(100), 5);
    assert.equal(pacer.waitMs(), 100);
  });

  it('keeps earned tokens up to the new burst on a change, and a first pace starts full', () => {
    const c = clock();
    const pacer = new Pacer({ rate: 100, burst: 50 }, c.now);
    assert.equal(pacer.grant(40), 40);
    pacer.set({ rate: 100, burst: 5 });
    assert.equal(pacer.grant(10), 5);
    pacer.set({ rate: 0, burst: 1 });
    assert.equal(pacer.grant(10), 10);
    pacer.set({ rate: 100, burst: 20 });
    assert.equal(pacer.grant(30), 20);
    assert.deepEqual(pacer.pace, { rate: 100, burst: 20 });
  });
});
