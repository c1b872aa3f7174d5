/** Wrapping another program's record into ours: every byte kept, parts small enough for every path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WRAP_PART_BYTES, wrapRecords } from '../../../src/audit/wrapped.js';

describe('wrapped records', () => {
  it('carries the type and every byte of the text, in parts of at most WRAP_PART_BYTES', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.integer({ min: 1100, max: 2999 }), (bytes, type) => {
        const text = Buffer.from(bytes).toString('latin1');
        const parts = wrapRecords({ kind: 'foreign', type, text }, 42);
        const hex = parts.map((p) => {
          assert.ok(p.kind === 'user');
          assert.match(
            p.message,
            new RegExp(
              `^op=auditrelay-wrap ar_wtype=${type} ar_wid=42 ar_wpart=\\d+/${parts.length} ar_wmsg=[0-9A-F]*$`,
            ),
          );
          return /ar_wmsg=([0-9A-F]*)$/.exec(p.message)?.[1] ?? '';
        });
        assert.ok(hex.every((h) => h.length <= 2 * WRAP_PART_BYTES));
        assert.equal(Buffer.from(hex.join(''), 'hex').toString('latin1'), text);
      }),
      { numRuns: 200 },
    );
  });
});
