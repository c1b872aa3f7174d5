/**
 * Accounting of other programs' and the kernel's records from hand-made tallies and records: found as
 * sent or unwrapped, each once; missing counted per kind; a tally claiming a huge range costs nothing;
 * serials that come again after a reboot belong to their own time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ForeignLedger,
  PENDING_MS,
  recordBody,
  type TallyRecord,
} from '../../../src/verify/foreign-ledger.js';

const T0 = 1_796_487_794_000;
const line = (serial: number, body: string, ms = T0) =>
  `node=dev type=X msg=audit(${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}:${serial}): ${body}\x1dUID="root" krb5=auditd/dev@R`;
let seq = 0;
const tally = (over: Partial<TallyRecord>): TallyRecord => ({
  device: 'dev',
  run: 'r1',
  seq: ++seq,
  records: 0,
  kernel: 0,
  user: 0,
  overruns: 0,
  fromMs: T0,
  toMs: T0,
  serials: [],
  ...over,
});

describe('foreign ledger', () => {
  it("knows a record by its text before the ENRICHED part and the collector's krb5=", () => {
    assert.equal(recordBody(line(5, 'arch=c000003e syscall=140')), 'arch=c000003e syscall=140');
    assert.equal(recordBody('audit(1.000:5): a=b krb5=auditd/x@R'), 'a=b');
  });

  it('counts each record once, as sent or unwrapped, and what is missing per kind', () => {
    const l = new ForeignLedger();
    l.tally(tally({ records: 5, kernel: 3, user: 2, serials: [[100, 102]] }));
    l.seal();
    l.record('dev', 1300, 100, line(100, 'syscall=140 a1=1'), false);
    l.record('dev', 1327, 100, line(100, 'proctitle=41'), false);
    l.record('dev', 1327, 100, line(100, 'proctitle=41'), true); // also wrapped: counted once
    l.record('dev', 1100, 101, line(101, "msg='op=PAM'"), true); // only wrapped
    l.record('other', 1100, 102, line(102, "msg='op=PAM'"), false); // another device
    const [r] = l.report();
    assert.deepEqual(
      [r?.foundKernel, r?.foundUser, r?.unwrapped, r?.missingKernel, r?.missingUser],
      [2, 1, 2, 1, 1],
    );
  });

  it('never walks what a tally claims: a range of 10^15 serials costs what the records do', () => {
    const l = new ForeignLedger();
    l.tally(tally({ records: 1, kernel: 1, serials: [[1, 999_999_999_999_999]] }));
    l.seal();
    assert.equal(l.wants('dev', 500), true);
    const start = performance.now();
    l.record('dev', 1300, 500, line(500, 'a=b'), false);
    const [r] = l.report();
    assert.equal(r?.missingKernel, 0);
    assert.ok(performance.now() - start < 1000);
  });

  it('tells the same serial of another boot apart by its time', () => {
    const l = new ForeignLedger();
    l.tally(tally({ records: 1, kernel: 1, serials: [[7, 7]], fromMs: T0, toMs: T0 }));
    l.seal();
    l.record('dev', 1300, 7, line(7, 'a=b', T0 - 86_400_000), false); // yesterday's boot
    assert.equal(l.report()[0]?.missingKernel, 1);
    l.record('dev', 1300, 7, line(7, 'a=b', T0), false);
    assert.equal(l.report()[0]?.missingKernel, 0);
  });

  it('counts a tally once, whatever copies of it arrived (re-sent, or retried by audisp-remote)', () => {
    const l = new ForeignLedger();
    const t = tally({ records: 1, kernel: 1, serials: [[3, 3]] });
    l.tally(t);
    l.tally({ ...t });
    l.seal();
    l.record('dev', 1300, 3, line(3, 'a=b'), false);
    assert.deepEqual([l.report()[0]?.tallies, l.report()[0]?.missingKernel], [1, 0]);
  });

  it('keeps only what a tally announced once sealed', () => {
    const l = new ForeignLedger();
    assert.equal(l.wants('dev', 1), false, 'no tallies: nothing to keep');
    l.tally(tally({ serials: [[10, 20]] }));
    l.seal();
    assert.deepEqual([l.wants('dev', 15), l.wants('dev', 21), l.wants('else', 15)], [true, false, false]);
  });
  it('with --state, forgets what no tally will claim: a device without tallies keeps only PENDING_MS', () => {
    const l = new ForeignLedger({ pending: true });
    l.seal();
    const minute = 60_000;
    for (let m = 0; m < 30; m++)
      l.record('other', 1300, 1000 + m, line(1000 + m, 'a=b', T0 + m * minute), false);
    l.prune(T0 + 29 * minute);
    const kept = l.toState().seen.find(([device]) => device === 'other')?.[1] ?? [];
    assert.equal(kept.length, PENDING_MS / minute, 'the last 15 minutes');
    // A device with a tally keeps only what is newer than it, and what its open tallies claim.
    l.tally(tally({ records: 1, kernel: 1, serials: [[7, 7]], fromMs: T0, toMs: T0 + 10 * minute }));
    l.seal();
    l.record('dev', 1300, 7, line(7, 'a=b', T0), false);
    l.record('dev', 1300, 8, line(8, 'a=b', T0 + 5 * minute), false); // before its tally, not claimed
    l.record('dev', 1300, 9, line(9, 'a=b', T0 + 11 * minute), false); // after: the next tally's
    l.prune(T0 + 29 * minute);
    const dev = l.toState().seen.find(([device]) => device === 'dev')?.[1] ?? [];
    assert.deepEqual(dev.map(([serial]) => serial).sort(), [7, 9]);
  });
});
