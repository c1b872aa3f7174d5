import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { journalDrops } from '../../../src/forwarding/journal-drops.js';

const LINE = '2026-11-25T20:01:02+0000 dev auditd[812]: queue to plugins is full - dropping event';

describe('journal drops', () => {
  it('counts the drop lines of this boot and keeps the last', () => {
    let asked: readonly string[] = [];
    const drops = journalDrops(
      (args) => {
        asked = args;
        return { stdout: `${LINE}\n${LINE.replace('20:01:02', '20:01:03')}\n`, code: 0 };
      },
      () => true,
    );
    assert.deepEqual(drops, { lines: 2, last: LINE.replace('20:01:02', '20:01:03') });
    assert.ok(asked.includes('--boot'));
    // What journald attributes (root, the process's name), never the writer's own identifier.
    assert.deepEqual(
      asked.filter((a) => !a.startsWith('--')),
      ['_UID=0', '_COMM=auditd', '_COMM=audisp-remote'],
    );
    assert.ok(!asked.some((a) => a.startsWith('--identifier')));
  });

  it('reads "nothing matched" (exit 1) as no drops, and a failure or no journald as unknown', () => {
    assert.deepEqual(
      journalDrops(
        () => ({ stdout: '-- No entries --\n', code: 1 }),
        () => true,
      ),
      { lines: 0, last: null },
    );
    assert.equal(
      journalDrops(
        () => ({ stdout: '', code: 2 }),
        () => true,
      ),
      null,
    );
    assert.equal(
      journalDrops(
        () => {
          throw new Error('must not run');
        },
        () => false,
      ),
      null,
    );
  });
});
