/** The reopen backoff with a fake clock: fails fast while backing off, doubles to a cap, resets on success. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, ReopenBackoff } from '../../../src/audit/reopen-backoff.js';

describe('reopen backoff', () => {
  it('answers with the failure until the delay passed, doubling it up to the cap, and resets on success', () => {
    let now = 1_000;
    const backoff = new ReopenBackoff<string>(() => now);
    assert.equal(backoff.pending, undefined, 'the first open is tried at once');
    backoff.failed('EPROTONOSUPPORT');
    assert.equal(backoff.delayMs, BACKOFF_MIN_MS);
    assert.equal(backoff.pending, 'EPROTONOSUPPORT');
    now += BACKOFF_MIN_MS - 1;
    assert.equal(backoff.pending, 'EPROTONOSUPPORT');
    now += 1;
    assert.equal(backoff.pending, undefined, 'after the delay an open may be tried again');
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      backoff.failed('EPROTONOSUPPORT');
      delays.push(backoff.delayMs);
    }
    assert.deepEqual(delays.slice(0, 4), [200, 400, 800, 1600]);
    assert.equal(delays.at(-1), BACKOFF_MAX_MS);
    backoff.succeeded();
    assert.equal(backoff.pending, undefined);
    assert.equal(backoff.delayMs, 0);
    backoff.failed('ECONNREFUSED');
    assert.equal(backoff.delayMs, BACKOFF_MIN_MS, 'a success starts the delays over');
  });
});
