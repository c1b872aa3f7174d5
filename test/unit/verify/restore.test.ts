/**
 * restore over a hand-made collector log, read by the real libauparse: wrapped records come back as the
 * kernel wrote them, each once, in time order, without those that arrived as sent; damaged wrappers are
 * refused; a wrapped text cannot add a line or a field to the output.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { wrapRecords } from '../../../src/audit/wrapped.js';
import { restoreRecords } from '../../../src/verify/restore.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const RUN = '0123456789ab';
let seq = 0;
let serial = 9000;

/** Our wrapper records as the collector writes them. */
function wrappers(type: number, text: string, id: number): string[] {
  return wrapRecords({ kind: 'foreign', type, text }, id).map((r) => {
    const message = r.kind === 'user' ? r.message : '';
    return `node=dev type=TRUSTED_APP msg=audit(1796487799.000:${serial++}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='${message} ar_run=${RUN} exe="/usr/bin/node" hostname=? addr=? terminal=? res=success'\x1dUID="root" krb5=auditd/dev@R`;
  });
}

const SYSCALL =
  'audit(1796487794.100:100): arch=c000003e syscall=140 success=no exit=-3 a0=0 a1=10000001 key="load"';
const PROCTITLE = `audit(1796487793.900:99): proctitle=${'41'.repeat(1500)}`; // two parts
const EVIL =
  "audit(1796487795.000:101): pid=7 msg='x\nnode=evil type=USER_LOGIN msg=audit(1.000:1): res=success'";

describe('restore', () => {
  const dir = makeTempDir('auditrelay-restore-');
  after(() => removeTempDir(dir));
  const log = join(dir, 'audit.log');
  writeFileSync(
    log,
    `${[
      `node=dev type=SYSCALL msg=${SYSCALL}\x1dARCH=x86_64 krb5=auditd/dev@R`, // arrived as sent
      ...wrappers(1300, SYSCALL, 1), // and wrapped: not restored
      ...wrappers(1327, PROCTITLE, 2),
      ...wrappers(1327, PROCTITLE, 3), // re-sent twice: once
      ...wrappers(1100, EVIL, 4),
      `node=dev type=TRUSTED_APP msg=audit(1796487799.000:${serial++}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=auditrelay-wrap ar_wtype=1300 ar_wid=5 ar_wpart=1/1 ar_wmsg=XYZ ar_run=${RUN} ar_seq=${++seq} res=success'`,
    ].join('\n')}\n`,
  );

  it('restores what arrived only wrapped, once each, in time order, in auditd log format', () => {
    const r = restoreRecords(
      [log],
      (type) => ({ 1300: 'SYSCALL', 1327: 'PROCTITLE', 1100: 'USER_AUTH' })[type],
    );
    assert.equal(r.restored, 2);
    assert.equal(r.alreadyThere, 1);
    assert.equal(r.repeated, 1);
    assert.equal(r.malformed, 1, 'the wrapper with bad hex');
    assert.equal(r.lines[0], `node=dev type=PROCTITLE msg=${PROCTITLE}`);
    assert.match(
      r.lines[1] ?? '',
      /^node=dev type=USER_AUTH msg=audit\(1796487795\.000:101\): pid=7 msg='x node=evil/,
    );
    assert.equal(r.altered, 1);
    assert.ok(
      r.lines.every((l) => !l.includes('\n')),
      'one record, one line',
    );
  });
});
