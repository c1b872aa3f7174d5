/**
 * The model of auditd's queue to audisp-remote: what it holds (EOE markers too), what it drops when full
 * and how audisp-remote's acknowledgements pass over the dropped records, and where it went past its room.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditdQueue } from '../../../src/daemon/auditd-queue.js';

function queue(room: number, capacity: number) {
  const q = new AuditdQueue(64);
  q.setLimits({ room, capacity, slack: capacity - room });
  return q;
}

describe('auditd queue model', () => {
  it('holds records and their EOE markers, and lets them go together', () => {
    const q = queue(100, 200);
    q.entered(1);
    q.entered(2);
    q.marker(2); // the event 1–2 ends
    assert.equal(q.held, 3);
    q.left(1, true);
    q.left(2, true);
    assert.equal(q.held, 0);
    assert.equal(q.takeOverflow(), undefined);
  });

  it('drops what comes while full, and the next acknowledged record is the next one it kept', () => {
    const q = queue(2, 3);
    for (const p of [1, 2, 3, 4, 5]) q.entered(p); // 4 and 5 find it full
    q.marker(5); // dropped with its record
    assert.equal(q.held, 3);
    assert.equal(q.takeOverflow(), 3, 'the first past the room');
    assert.equal(q.takeOverflow(), undefined, 'taken');
    assert.equal(q.episodes, 1);
    q.left(1, true); // room for one
    q.entered(6);
    q.entered(7); // dropped
    assert.equal(q.episodes, 1, 'still the same overflow: it never fell below the room');
    assert.deepEqual([q.next(1), q.next(2), q.next(3)], [2, 3, 6]);
    assert.equal(q.next(6), 8, 'past the second dropped range');
  });

  it('an anchor sets what it holds and forgets the ranges behind it', () => {
    const q = queue(1, 1);
    q.entered(1);
    q.entered(2); // dropped
    q.reset(5, 0);
    assert.equal(q.held, 0);
    assert.equal(q.next(5), 6);
    q.entered(6);
    q.left(6, true);
    q.entered(7);
    q.entered(8); // dropped: a new episode after falling below the room
    assert.equal(q.episodes, 2);
  });
});
