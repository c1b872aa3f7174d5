/** The tally: counts, serial ranges however serials arrive, and the record it writes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatRanges, MAX_SERIALS_CHARS, stampOf, Tally } from '../../../src/tap/tally.js';

const text = (serial: number) => `audit(1796487794.467:${serial}): arch=c000003e syscall=140`;

function ranges(serials: readonly number[]): string {
  const sorted = [...new Set(serials)].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] + 1 === s) last[1] = s;
    else out.push([s, s]);
  }
  return formatRanges(out);
}

const field = (message: string, name: string) => new RegExp(`${name}=("?)([^ "]*)\\1`).exec(message)?.[2];

describe('tally', () => {
  it('reads the time and serial of a record', () => {
    assert.deepEqual(stampOf(text(762643)), { ms: 1796487794467, serial: 762643 });
    assert.equal(stampOf('no header'), undefined);
  });

  it('writes the serials seen as ranges, in any order and with repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 300 }), (serials) => {
        const tally = new Tally();
        for (const s of serials) tally.add(1300, text(s));
        const record = tally.take();
        assert.ok(record?.kind === 'user');
        assert.equal(field(record.message, 'tally_serials'), ranges(serials));
        assert.equal(field(record.message, 'tally_records'), String(serials.length));
      }),
    );
  });

  it("counts the kernel's records apart from user space programs', and overruns", () => {
    const tally = new Tally();
    tally.add(1300, text(1));
    tally.add(1327, text(1));
    tally.add(1100, text(2));
    tally.overrun();
    const record = tally.take();
    assert.ok(record?.kind === 'user');
    assert.deepEqual(
      ['tally_records', 'tally_kernel', 'tally_user', 'tally_overruns', 'tally_time'].map((n) =>
        field(record.message, n),
      ),
      ['3', '2', '1', '1', '1796487794467-1796487794467'],
    );
    assert.equal(tally.take(), undefined, 'nothing since: no record');
  });

  it('asks to be written once its serial list grows long', () => {
    const tally = new Tally();
    for (let s = 0; !tally.full; s += 2) tally.add(1300, text(s));
    const record = tally.take();
    assert.ok(record?.kind === 'user');
    assert.ok(record.message.length < MAX_SERIALS_CHARS + 200, `${record.message.length}`);
  });
});
