/**
 * verify keys devices by the principal the collector authenticated (#21 item 1), on hand-made KRB5
 * collector logs read by the real libauparse: a device writing another's node= and run id cannot fill
 * that device's gap; a krb5= a device wrote itself does not count; a line split off without the
 * collector's field has no identity; records with auditd's ENRICHED part (which libauparse hides the
 * field of) keep their principal; others' records count only for the device that sent them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Tally } from '../../../src/tap/tally.js';
import { LinePrincipals, principalOfLine } from '../../../src/verify/line-principals.js';
import { logChunks } from '../../../src/verify/log-chunks.js';
import { hostOf, nodeAgrees } from '../../../src/verify/sender.js';
import { findings } from '../../../src/verify/verdict.js';
import { CLI, run } from '../../harness/exec.js';
import { accountFor, logWriter } from './log-files.js';

const RUN_A = 'aaaaaaaaaaaa';
const RUN_B = 'bbbbbbbbbbbb';
const A = 'auditd/devA@LAB';
const B = 'auditd/devB@LAB';
const T0 = 1764686400;
let serial = 5000;

interface Line {
  readonly seq: number;
  readonly run?: string;
  readonly node?: string;
  /** The collector's field; null: none (a TCP collector, or a line split off). */
  readonly krb5?: string | null;
  /** auditd's ENRICHED part before the collector's field. */
  readonly enriched?: boolean;
  readonly message?: string;
}

/** One of our records as a KRB5 collector writes it. */
function line({
  seq,
  run = RUN_A,
  node = 'devA',
  krb5 = A,
  enriched = false,
  message = 'op=set',
}: Line): string {
  const s = serial++;
  return (
    `node=${node} type=TRUSTED_APP msg=audit(${T0}.${String(s % 1000).padStart(3, '0')}:${s}): pid=9 uid=0 ` +
    `auid=4294967295 ses=4294967295 msg='${message} ar_run="${run}" ar_seq="${seq}" exe="/usr/bin/node" ` +
    `hostname=? addr=? terminal=? res=success'${enriched ? '\x1dUID="root" AUID="unset"' : ''}` +
    `${krb5 === null ? '' : ` krb5=${krb5}`}\n`
  );
}

describe('verify keys devices by the collector-authenticated principal', () => {
  const write = logWriter('auditrelay-verify-identity-');
  const account = accountFor;

  it("reads the line's last krb5= only when a principal ends the line", () => {
    const of = (text: string) => principalOfLine(Buffer.from(text, 'latin1'));
    assert.equal(of(`a=b krb5=${B}`), B);
    assert.equal(of(`a=b krb5=${A} krb5=${B}`), B, 'a field the device wrote earlier does not count');
    assert.equal(of(`a=b krb5=${A} c=d`), undefined, 'the collector writes its field last');
    assert.equal(of('a=b krb5='), undefined);
    assert.equal(of(`a=b krb5=auditd/\x1b[2Jx@LAB`), undefined, 'not a principal');
    assert.equal(of(`a=b krb5=${'x'.repeat(300)}`), undefined, 'longer than any principal');
    assert.equal(of('a=b krb5=x\x1dy'), undefined);
    const lines = LinePrincipals.of(`x krb5=${A}\nno field\nx krb5=${B}`);
    assert.deepEqual(
      [lines.at(1), lines.at(2), lines.at(3), lines.at(4), lines.at(0)],
      [A, null, B, null, null],
    );
  });

  it('reads a log in pieces of whole lines: one straddling two pieces, one too long, an unfinished last one left', () => {
    const path = write(`a krb5=${A}\nstraddling krb5=${B}\n${'q'.repeat(100)} krb5=${A}\nlast krb5=${B}`);
    const read = (from = 0) => {
      const stats: { oversized: number; end?: number } = { oversized: 0 };
      const pieces = [...logChunks(path, { from, chunkBytes: 64 }, stats)];
      const lines = pieces.flatMap((p) => {
        const principals = LinePrincipals.of(p.bytes);
        return Array.from({ length: principals.lines }, (_, i) => principals.at(i + 1));
      });
      return {
        lines,
        stats,
        end: stats.end,
        text: pieces.map((p) => p.bytes.toString()).join(''),
      };
    };
    const first = read();
    assert.deepEqual(first.lines, [A, B], 'the 100-byte line is longer than a 64-byte piece: skipped');
    assert.equal(first.stats.oversized, 1);
    const lastLine = `last krb5=${B}`;
    assert.equal(first.end, readFileSync(path).length - lastLine.length, 'the unfinished last line is left');
    appendFileSync(path, '\n');
    assert.equal(read(first.end).text, `${lastLine}\n`, 'and read once finished');
  });

  it("compares node= with the principal's host, by full name or first label", () => {
    assert.equal(hostOf('auditd/press-07.plant.example@PLANT'), 'press-07.plant.example');
    assert.equal(hostOf('alice@PLANT'), null);
    assert.ok(nodeAgrees({ principal: 'auditd/press-07.plant.example@P', node: 'press-07' }));
    assert.ok(nodeAgrees({ principal: 'auditd/press-07@P', node: 'PRESS-07.plant.example' }));
    assert.ok(!nodeAgrees({ principal: 'auditd/press-07@P', node: 'press-08' }));
    assert.ok(nodeAgrees({ principal: 'alice@P', node: 'anything' }), 'no host: nothing to disagree with');
    assert.ok(nodeAgrees({ principal: null, node: 'anything' }));
  });

  it("does not let devB fill devA's gap by writing devA's node= and run id, and names the mismatch", async () => {
    const path = write(
      [
        line({ seq: 1 }),
        line({ seq: 2, enriched: true }),
        line({ seq: 5 }),
        // devB (its principal) claims to be devA, in devA's run, with the missing numbers.
        line({ seq: 3, krb5: B }),
        line({ seq: 4, krb5: B, enriched: true }),
        // …and with a krb5= of its own before the collector's.
        line({ seq: 3, krb5: `${A} krb5=${B}` }),
        line({ seq: 1, run: RUN_B, node: 'devB', krb5: B }),
      ].join(''),
    );
    const { runs } = account([path]);
    const a = runs.find((r) => r.device === A);
    assert.deepEqual([a?.run, a?.records, a?.missing, a?.nodeDisagrees], [RUN_A, 3, [[3, 4]], 0]);
    const spoof = runs.find((r) => r.device === B && r.run === RUN_A);
    assert.deepEqual([spoof?.node, spoof?.nodeDisagrees, spoof?.principal], ['devA', 3, B]);
    assert.equal(runs.find((r) => r.device === B && r.run === RUN_B)?.nodeDisagrees, 0);
    const codes = findings(runs, [], T0 * 1000).map((f) => f.code);
    assert.ok(
      codes.includes('VERIFY_RECORDS_MISSING') && codes.includes('VERIFY_NODE_MISMATCH'),
      codes.join(),
    );
    const cli = await run(process.execPath, [
      CLI,
      'verify',
      '--as-of',
      new Date(T0 * 1000).toISOString(),
      path,
    ]);
    assert.equal(cli.code, 65, cli.stderr);
    assert.match(cli.stdout, /auditd\/devA@LAB run aaaaaaaaaaaa: missing 3-4\n/);
    assert.match(cli.stdout, /auditd\/devB@LAB run aaaaaaaaaaaa: 3 record\(s\) name a node= that is not/);
    assert.match(cli.stdout, /auditd\/devB@LAB\s+devA \(!\)\s+aaaaaaaaaaaa/);
  });

  it('gives a line without the collector field no identity: split-off lines count for no principal', () => {
    const { runs } = account([
      write(
        [line({ seq: 1 }), line({ seq: 2, krb5: null }), line({ seq: 3 }), line({ seq: 4, krb5: null })].join(
          '',
        ),
      ),
    ]);
    assert.deepEqual(
      runs.map((r) => [r.device, r.principal, r.records]),
      [
        [A, A, 2],
        ['devA (unauthenticated)', null, 2],
      ],
    );
    assert.deepEqual(runs[0]?.missing, [[2, 2]], "the unauthenticated copies do not fill devA's gap");
  });

  it("accounts others' records only to the device that sent them", () => {
    const sent = `audit(${T0}.200:7): arch=c000003e syscall=59 success=yes exit=0 a0=1 items=1 key=(null)`;
    const tally = new Tally();
    tally.add(1300, sent);
    const t = tally.take();
    assert.ok(t?.kind === 'user');
    const kernel = (krb5: string) =>
      `node=devA type=SYSCALL msg=${sent}\x1dARCH=x86_64 SYSCALL=execve krb5=${krb5}\n`;
    const tallyLine = line({ seq: 1, message: t.message, enriched: true });
    // Only devB sent the kernel record devA's tally announces: devA's is missing.
    const spoofed = account([write(kernel(B) + tallyLine)]).foreign.find((f) => f.device === A);
    assert.deepEqual([spoofed?.expectedKernel, spoofed?.foundKernel, spoofed?.missingKernel], [1, 0, 1]);
    const honest = account([write(kernel(A) + tallyLine)]).foreign.find((f) => f.device === A);
    assert.deepEqual([honest?.expectedKernel, honest?.foundKernel, honest?.missingKernel], [1, 1, 0]);
  });

  it('says plainly when no record carries a principal (a TCP collector)', async () => {
    const path = write([line({ seq: 1, krb5: null }), line({ seq: 2, krb5: null })].join(''));
    const cli = await run(process.execPath, [CLI, 'verify', '--json', path]);
    const out = JSON.parse(cli.stdout) as { runs: Array<{ device: string; principal: string | null }> };
    assert.deepEqual(
      out.runs.map((r) => [r.device, r.principal]),
      [['devA (unauthenticated)', null]],
    );
    const text = await run(process.execPath, [CLI, 'verify', path]);
    assert.match(text.stdout, /no record carries the collector's krb5=.*authenticates nobody/);
  });
});
