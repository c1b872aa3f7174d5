import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRunId, numberingFields, SequenceCounter } from '../../../src/audit/numbering.js';

describe('record numbering', () => {
  it('writes ar_run and ar_seq quoted, and ar_rt (seconds, ms) on a resend', () => {
    assert.equal(numberingFields('0a1b2c3d4e5f', 7), ' ar_run="0a1b2c3d4e5f" ar_seq="7"');
    assert.equal(
      numberingFields('0a1b2c3d4e5f', 7, { seq: 7, at: 1_764_686_400_123 }),
      ' ar_run="0a1b2c3d4e5f" ar_seq="7" ar_rt="1764686400.123"',
    );
    assert.equal(numberingFields(newRunId(), 1_000_000).length, 39, '32 bytes + one per digit');
  });

  it('counts from 1, and a second view of the same memory (a respawned worker) continues it', () => {
    const counter = new SequenceCounter();
    assert.equal(counter.last, 0);
    assert.equal(counter.take(), 1);
    assert.equal(counter.take(), 2);
    const view = new SequenceCounter(counter.buffer);
    assert.equal(view.take(), 3);
    assert.equal(counter.last, 3);
  });

  it('gives every run its own 12-hex-digit id', () => {
    const ids = new Set(Array.from({ length: 100 }, newRunId));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
  });
});
