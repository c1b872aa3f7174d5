/** The emitter's progress clock (the watchdog's health check): stalled only while records wait unanswered. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from '../../../src/audit/progress.js';

describe('progress', () => {
  it('counts the time records wait without an answer, from the first waiting one or the last answer', () => {
    const p = new Progress();
    assert.equal(p.stalledMs(5_000), 0, 'nothing waits');
    p.waiting(1_000);
    p.waiting(1_500);
    assert.equal(p.stalledMs(4_000), 3_000, 'from the first record that waited');
    p.answered(4_000, true);
    assert.equal(p.stalledMs(4_100), 100, 'from the last answer while more wait');
    p.answered(4_200, false);
    assert.equal(p.stalledMs(90_000), 0, 'idle is not stalled');
    p.waiting(90_000);
    assert.equal(p.stalledMs(90_010), 10);
  });
});
