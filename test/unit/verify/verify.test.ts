/**
 * `auditrelay verify` on hand-made collector logs, read by the real libauparse: gaps, re-sends and
 * duplicates, two runs and two devices, rotation, other programs' records mixed in, a truncated last line.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { wrapRecords } from '../../../src/audit/wrapped.js';
import { Tally } from '../../../src/tap/tally.js';
import { logFiles, readNumberedRecords } from '../../../src/verify/collector-logs.js';
import { ForeignLedger } from '../../../src/verify/foreign-ledger.js';
import { Ledger, type RunReport } from '../../../src/verify/ledger.js';
import { CLI, run } from '../../harness/exec.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';
import { logWriter } from './log-files.js';

const RUN_A = '0a1b2c3d4e5f';
const RUN_B = 'ffeeddccbbaa';
let serial = 100;

interface Line {
  readonly seq: number;
  readonly run?: string;
  readonly node?: string;
  readonly resent?: boolean;
  readonly heartbeat?: number;
}

/** One record as a collector auditd writes a forwarded user record. */
function record({ seq, run = RUN_A, node = 'dev1', resent = false, heartbeat }: Line): string {
  const s = serial++;
  const op = heartbeat === undefined ? 'op=set tag="x"' : `op=auditrelay-heartbeat hb_seq="${heartbeat}"`;
  const rt = resent ? ' ar_rt="1764686300.500"' : '';
  return (
    `node=${node} type=TRUSTED_APP msg=audit(1764686400.${String(s % 1000).padStart(3, '0')}:${s}): ` +
    `pid=9 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='${op} ar_run="${run}" ar_seq="${seq}"${rt} ` +
    `exe="/usr/bin/node" hostname=? addr=? terminal=? res=success'\n`
  );
}

const OTHERS = [
  'node=dev1 type=SYSCALL msg=audit(1764686400.200:7): arch=c000003e syscall=59 success=yes exit=0 a0=1 items=1 ppid=1 pid=2 auid=0 uid=0 comm="sh" exe="/bin/sh" key=(null)\n',
  'node=dev1 type=EXECVE msg=audit(1764686400.200:7): argc=1 a0="sh"\n',
  'node=dev1 type=USER_LOGIN msg=audit(1764686400.300:8): pid=3 uid=0 auid=0 ses=1 msg=\'op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=192.0.2.1 terminal=ssh res=failed\'\n',
];

describe('verify', () => {
  const write = logWriter('auditrelay-verify-');
  const account = (files: string[]) => {
    const ledger = new Ledger();
    const summary = readNumberedRecords(files, ledger);
    return { runs: ledger.report(), malformed: summary.malformed };
  };
  const only = (runs: RunReport[]): RunReport => {
    assert.equal(runs.length, 1);
    return runs[0] as RunReport;
  };

  it('names the missing ranges of a run', () => {
    const file = write([1, 2, 4, 7, 8].map((seq) => record({ seq })).join(''));
    const r = only(account([file]).runs);
    assert.deepEqual(r.missing, [
      [3, 3],
      [5, 6],
    ]);
    assert.equal(r.missingCount, 3);
    assert.deepEqual([r.firstSeq, r.lastSeq, r.records, r.node, r.run], [1, 8, 5, 'dev1', RUN_A]);
  });

  it('counts re-sent records, the ones they recovered, and duplicates marked or not', () => {
    const file = write(
      [
        record({ seq: 1 }),
        record({ seq: 2 }),
        record({ seq: 2, resent: true }), // arrived twice: a marked duplicate
        record({ seq: 3, resent: true }), // arrived only re-sent: recovered
        record({ seq: 4 }),
        record({ seq: 4 }), // unmarked: a defect
      ].join(''),
    );
    const r = only(account([file]).runs);
    assert.deepEqual(
      [r.missingCount, r.resent, r.recovered, r.duplicates, r.unmarkedDuplicates],
      [0, 2, 1, 2, 1],
    );
  });

  it('keeps devices and runs apart', () => {
    const file = write(
      [
        record({ seq: 1 }),
        record({ seq: 1, run: RUN_B }),
        record({ seq: 2 }),
        record({ seq: 3, run: RUN_B }),
        record({ seq: 1, node: 'dev2' }),
      ].join(''),
    );
    const runs = account([file]).runs;
    assert.deepEqual(
      runs.map((r) => [r.node, r.run, r.missingCount]),
      [
        ['dev1', RUN_A, 0],
        ['dev1', RUN_B, 1],
        ['dev2', RUN_A, 0],
      ],
    );
  });

  it('reads a rotation set oldest first; only a run that began in the oldest log may start past 1', () => {
    const rotated = makeTempDir('auditrelay-verify-rot-');
    try {
      writeFileSync(join(rotated, 'audit.log.2'), [5, 6].map((seq) => record({ seq })).join(''));
      writeFileSync(join(rotated, 'audit.log.1'), [7, 8].map((seq) => record({ seq })).join(''));
      writeFileSync(
        join(rotated, 'audit.log'),
        [record({ seq: 9 }), record({ seq: 3, run: RUN_B }), record({ seq: 4, run: RUN_B })].join(''),
      );
      writeFileSync(join(rotated, 'other.log'), record({ seq: 1, run: 'aaaaaaaaaaaa' }));
      const files = logFiles([rotated]);
      assert.deepEqual(
        files.map((f) => f.slice(rotated.length + 1)),
        ['audit.log.2', 'audit.log.1', 'audit.log'],
      );
      const runs = account(files).runs;
      const a = runs.find((r) => r.run === RUN_A);
      const b = runs.find((r) => r.run === RUN_B);
      assert.deepEqual([a?.missingCount, a?.beforeLogs, a?.firstSeq, a?.lastSeq], [0, 4, 5, 9]);
      assert.deepEqual(b?.missing, [[1, 2]], 'began in the newest log: 1 and 2 should be there');
    } finally {
      removeTempDir(rotated);
    }
  });

  it("skips other programs' records, counts forged numbering, survives a truncated last line", () => {
    const file = write(
      [
        ...OTHERS,
        record({ seq: 1 }),
        record({ seq: 2 }).replace(`ar_run="${RUN_A}"`, 'ar_run="not-hex"'),
        record({ seq: 3 }).replace('ar_seq="3"', 'ar_seq="3x"'),
        record({ seq: 2 }),
        record({ seq: 3 }).slice(0, 60),
      ].join(''),
    );
    const { runs, malformed } = account([file]);
    const r = only(runs);
    assert.deepEqual([r.records, r.missingCount, r.lastSeq], [2, 0, 2]);
    assert.equal(malformed, 2);
  });

  it("accounts for others' records that arrived only wrapped: wrappers carry ar_run, no ar_seq", () => {
    const sent =
      'audit(1764686400.200:7): arch=c000003e syscall=59 success=yes exit=0 a0=1 items=1 key=(null)';
    const wrapped =
      'audit(1764686400.300:8): pid=3 uid=0 auid=0 ses=1 msg=\'op=login acct="root" res=failed\'';
    const tally = new Tally();
    tally.add(1300, sent);
    tally.add(1112, wrapped);
    const t = tally.take();
    const ours = (message: string, numbering: string) =>
      `node=dev1 type=TRUSTED_APP msg=audit(1764686401.000:${serial++}): pid=9 uid=0 auid=4294967295 ses=4294967295 ` +
      `msg='${message}${numbering} exe="/usr/bin/node" hostname=? addr=? terminal=? res=success'\n`;
    const file = write(
      [
        `node=dev1 type=SYSCALL msg=${sent}\n`,
        ours(t?.kind === 'user' ? t.message : '', ` ar_run="${RUN_A}" ar_seq="1"`),
        ...wrapRecords({ kind: 'foreign', type: 1112, text: wrapped }, 2).map((w) =>
          ours(w.kind === 'user' ? w.message : '', ` ar_run="${RUN_A}"`),
        ),
        ours('op=set tag="x"', ` ar_run="${RUN_A}"`), // ar_run without ar_seq, not a wrapper: forged
      ].join(''),
    );
    const ledger = new Ledger();
    const foreign = new ForeignLedger();
    const summary = readNumberedRecords([file], ledger, foreign);
    const [others] = foreign.report();
    assert.deepEqual(
      [others?.expectedKernel, others?.foundKernel, others?.expectedUser, others?.foundUser],
      [1, 1, 1, 1],
    );
    assert.deepEqual([only(ledger.report()).records, only(ledger.report()).missingCount], [1, 0]);
    assert.equal(summary.malformed, 1);
  });

  it('finds the gaps in the heartbeat count', () => {
    const file = write(
      [1, 2, 5, 6, 9].map((hb, i) => record({ seq: i + 1, heartbeat: hb })).join('') + record({ seq: 6 }),
    );
    const r = only(account([file]).runs);
    assert.deepEqual(r.heartbeatGaps, [
      [3, 4],
      [7, 8],
    ]);
    assert.equal(r.missingCount, 0);
  });

  it('exits 65 and names what is missing; exits 0 with --json when nothing is', async () => {
    const gap = write([1, 3].map((seq) => record({ seq })).join(''));
    const bad = await run(process.execPath, [CLI, 'verify', gap]);
    assert.equal(bad.code, 65, bad.stderr);
    assert.match(bad.stdout, /dev1 \(unauthenticated\) run 0a1b2c3d4e5f: missing 2\n/);
    assert.match(bad.stdout, /MISSING: 1 record\(s\)/);
    assert.match(bad.stderr, /VERIFY_RECORDS_MISSING/);
    const good = await run(process.execPath, [CLI, 'verify', '--json', write(record({ seq: 1 }))]);
    assert.equal(good.code, 0, good.stderr);
    const json = JSON.parse(good.stdout) as { ok: boolean; missing: number; runs: RunReport[] };
    assert.deepEqual([json.ok, json.missing, json.runs.length], [true, 0, 1]);
    const none = await run(process.execPath, [CLI, 'verify', `${write('')}-absent`]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /ENOENT/);
  });
});
