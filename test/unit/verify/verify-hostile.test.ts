/**
 * verify against collector logs other devices wrote (security review of #21): a record numbered 10^15, two records 64 Mi apart, 130,000 runs, a lost tail, a lost head with
 * no rotation, terminal escapes — each reported, none hanging or aborting the report.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { logFiles, rotatedHeads } from '../../../src/verify/collector-logs.js';
import type { RunReport } from '../../../src/verify/ledger.js';
import { printable } from '../../../src/verify/report.js';
import { findings } from '../../../src/verify/verdict.js';
import { CLI, run } from '../../harness/exec.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';
import { accountFor, logWriter } from './log-files.js';

const RUN = '0a1b2c3d4e5f';
const T0 = 1764686400;
let serial = 1000;

interface Line {
  readonly seq: number | string;
  readonly run?: string;
  readonly node?: string;
  readonly heartbeat?: { readonly seq: number; readonly interval: number; readonly stop?: boolean };
  readonly at?: number;
}

function line({ seq, run = RUN, node = 'devA', heartbeat, at = T0 }: Line): string {
  const s = serial++;
  const op =
    heartbeat === undefined
      ? 'op=set tag="x"'
      : `op=auditrelay-heartbeat hb_seq="${heartbeat.seq}" hb_interval_s="${heartbeat.interval}"${heartbeat.stop ? ' hb_stop="1"' : ''}`;
  return (
    `node=${node} type=TRUSTED_APP msg=audit(${at}.000:${s}): pid=9 uid=0 auid=4294967295 ses=4294967295 ` +
    `msg='${op} ar_run="${run}" ar_seq="${seq}" exe="/usr/bin/node" hostname=? addr=? terminal=? res=success'\n`
  );
}

describe('verify against hostile logs', () => {
  const write = logWriter('auditrelay-verify-hostile-');
  const account = (files: string[]) => accountFor(files).runs;

  it('reports a record numbered 10^15 as unverifiable, at once, and the rest as usual', () => {
    const started = Date.now();
    const runs = account([
      write(
        [line({ seq: 1 }), line({ seq: '999999999999999' }), line({ seq: 1, run: 'bbbbbbbbbbbb' })].join(''),
      ),
    ]);
    assert.ok(Date.now() - started < 5000);
    const forged = runs.find((r) => r.run === RUN);
    assert.match(forged?.unverifiable ?? '', /jumps by 999999999999998/);
    assert.equal(forged?.missingCount, 0, 'its gap is not counted as records lost');
    assert.equal(runs.find((r) => r.run === 'bbbbbbbbbbbb')?.unverifiable, null);
    assert.equal(findings(runs, [], T0 * 1000)[0]?.code, 'VERIFY_UNVERIFIABLE');
  });

  it('reports two records 64 Mi apart as what is missing between them, instead of aborting', () => {
    const runs = account([write([line({ seq: 1 }), line({ seq: 64 * 1024 * 1024 + 2 })].join(''))]);
    assert.deepEqual(runs[0]?.missing, [[2, 64 * 1024 * 1024 + 1]]);
    assert.equal(runs[0]?.unverifiable, null);
  });

  it('survives 130,000 one-record runs (13 devices), marking a device of more than 10,000 unverifiable', async () => {
    const lines: string[] = [];
    for (let d = 0; d < 13; d++)
      for (let r = 0; r < 10_000 + (d === 0 ? 1 : 0); r++)
        lines.push(line({ seq: 1, node: `dev${d}`, run: (d * 100_000 + r).toString(16).padStart(12, '0') }));
    const file = write(lines.join(''));
    const cli = await run(process.execPath, [CLI, 'verify', '--json', file]);
    assert.equal(cli.code, 65, cli.stderr);
    const report = JSON.parse(cli.stdout) as { runs: RunReport[]; problems: Array<{ code: string }> };
    assert.equal(report.runs.length, 130_000);
    assert.deepEqual(
      report.problems.map((p) => p.code),
      ['VERIFY_UNVERIFIABLE'],
    );
    assert.equal(report.runs.filter((r) => r.unverifiable !== null).length, 10_000, 'dev0, the one over');
    const human = await run(process.execPath, [CLI, 'verify', file]);
    assert.equal(human.code, 65, human.stderr);
  });

  it('names a run that went quiet without a clean stop, and not one that stopped', () => {
    const quiet = account([write(line({ seq: 1, heartbeat: { seq: 1, interval: 60 } }))]);
    const stopped = account([
      write(line({ seq: 1, run: 'cccccccccccc', heartbeat: { seq: 1, interval: 60, stop: true } })),
    ]);
    const later = (T0 + 121) * 1000;
    assert.deepEqual(
      findings(quiet, [], later).map((f) => f.code),
      ['VERIFY_RUN_SILENT'],
    );
    assert.deepEqual(findings(quiet, [], (T0 + 119) * 1000), [], 'within two intervals: still alive');
    assert.deepEqual(findings(stopped, [], later), []);
  });

  it('counts a lost head as missing when no rotated log could have held it', () => {
    const alone = makeTempDir('auditrelay-verify-alone-');
    try {
      writeFileSync(join(alone, 'audit.log'), [5, 6].map((seq) => line({ seq })).join(''));
      const files = logFiles([alone]);
      assert.deepEqual([...rotatedHeads(files)], []);
      assert.deepEqual(account(files)[0]?.missing, [[1, 4]]);
      mkdirSync(join(alone, 'r'));
      writeFileSync(join(alone, 'r', 'audit.log.1'), [5, 6].map((seq) => line({ seq })).join(''));
      writeFileSync(join(alone, 'r', 'audit.log'), '');
      assert.deepEqual(
        account(logFiles([join(alone, 'r')]))[0]?.missing,
        [],
        'rotated away: not ours to count',
      );
    } finally {
      removeTempDir(alone);
    }
  });

  it("reads several collectors' logs in one run: each one's rotated head excused, a device that moved whole", async () => {
    const fleet = makeTempDir('auditrelay-verify-fleet-');
    try {
      const a = join(fleet, 'collector-a');
      const b = join(fleet, 'collector-b');
      mkdirSync(a);
      mkdirSync(b);
      const id = (d: string) => d.repeat(12);
      writeFileSync(
        join(a, 'audit.log.1'),
        [5, 6].map((seq) => line({ seq, node: 'devA', run: id('a') })).join(''),
      );
      writeFileSync(
        join(a, 'audit.log'),
        [1, 2, 3].map((seq) => line({ seq, node: 'devC', run: id('c') })).join(''),
      );
      writeFileSync(
        join(b, 'audit.log'),
        [
          ...[3, 4].map((seq) => line({ seq, node: 'devB', run: id('b') })),
          ...[4, 5, 6].map((seq) => line({ seq, node: 'devC', run: id('c') })),
        ].join(''),
      );
      const files = logFiles([a, b, join(a, 'audit.log')]);
      assert.equal(files.length, 3, 'each file once');
      assert.deepEqual([...rotatedHeads(files)], [0], "only collector A's oldest log is a rotated one");
      const runs = account(files);
      const missing = (node: string) => runs.find((r) => r.node === node)?.missing;
      assert.deepEqual(missing('devA'), [], 'began in a log A rotated away');
      assert.deepEqual(missing('devB'), [[1, 2]], "B's only log is audit.log: 1 and 2 should be there");
      assert.deepEqual(missing('devC'), [], 'moved from A to B: whole across both');
      const cli = await run(process.execPath, [CLI, 'verify', '--json', a, b]);
      assert.equal((JSON.parse(cli.stdout) as { files: string[] }).files.length, 3);
    } finally {
      removeTempDir(fleet);
    }
  });

  it('escapes what is not printable in names', () => {
    assert.equal(printable('dev\x1b[2J\x07x'), 'dev\\x1b[2J\\x07x');
    assert.equal(printable('d\u202eev'), 'd\\u{202e}ev');
  });
});
