/**
 * `auditrelay emit --direct` and the emitter against the real kernel and a private auditd: every value
 * reads back exactly with ausearch, and a kernel refusal is an error, never a success.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { auditClose, auditOpen, logUserCommMessage } from '../../native/libaudit.js';
import { Emitter } from '../../src/audit/emitter.js';
import { parseEvent } from '../../src/audit/event.js';
import { buildRecord } from '../../src/audit/record.js';
import { libauditTypeTable } from '../../src/audit/type-table.js';
import { fieldBytes, findByNonce, nonce } from '../harness/ausearch.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { stageProgram } from '../harness/staged-program.js';

const skip = await whyNoKernelAudit();

const HOSTILE: Readonly<Record<string, string>> = {
  quotes: 'he said "hi"',
  apostrophe: "mallory' uid=0 auid=0 res=failed x='",
  spaces: '  two  spaces ',
  newline: 'line1\nline2\r\n',
  utf8: 'é€😀 ünïcödé',
  separator: 'before\x1dafter',
  control: '\x01\x07\x1b[31m\x7f',
  forgery: 'x res=failed auid=0 uid=0',
  empty: '',
};

describe('emit --direct against the kernel', { skip }, () => {
  let auditd: CapturingAuditd;
  before(async () => {
    auditd = await startCapturingAuditd();
  });
  after(async () => {
    await auditd?.stop();
  });

  it('records a generic event whose every field reads back exactly', async () => {
    const n = nonce();
    const fields = Object.entries(HOSTILE).map(([k, v]) => `${k}=${v}`);
    const { code, stdout, stderr } = await run('node', [
      CLI,
      'emit',
      '--direct',
      '--json',
      '--type',
      'USYS_CONFIG',
      '--op',
      'set-config',
      '--result',
      'failed',
      '--addr',
      '192.0.2.7',
      `nonce=${n}`,
      ...fields,
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(JSON.parse(stdout).ok, true);
    const record = await findByNonce(auditd.log, n);
    assert.equal(record.type, 'USYS_CONFIG');
    assert.equal(record.interpreted.get('res'), 'failed');
    assert.equal(record.interpreted.get('op'), 'set-config');
    assert.equal(record.interpreted.get('addr'), '192.0.2.7');
    // The forgery attempts stay inside their own values: the kernel's identity fields are untouched.
    assert.equal(record.interpreted.get('auid'), 'unset');
    for (const [name, value] of Object.entries(HOSTILE)) {
      assert.equal(fieldBytes(record, name)?.toString('utf8'), value, name);
    }
    // Exactly one msg='…' pair in the record proper (ENRICHED text follows 0x1d).
    const proper = record.rawLine.split('\x1d')[0] ?? '';
    assert.equal(proper.split("'").length, 3, proper);
  });

  it('records an account event that ausearch attributes to the account', async () => {
    const n = nonce();
    const { code, stderr } = await run('node', [
      CLI,
      'emit',
      '--direct',
      '--type',
      'USER_LOGIN',
      '--op',
      'login',
      '--acct',
      'alice smith',
      '--result',
      'failed',
      '--addr',
      '2001:db8::7',
      `nonce=${n}`,
      'method=passkey',
    ]);
    assert.equal(code, 0, stderr);
    const record = await findByNonce(auditd.log, n);
    assert.equal(record.type, 'USER_LOGIN');
    assert.equal(record.interpreted.get('acct'), 'alice smith');
    assert.equal(record.interpreted.get('op'), 'login');
    assert.equal(record.interpreted.get('res'), 'failed');
    assert.equal(fieldBytes(record, 'method')?.toString(), 'passkey');
    const csv = await run('ausearch', ['-if', auditd.log, '-m', 'USER_LOGIN', '--format', 'csv']);
    const row = csv.stdout.split('\n').find((line) => line.includes('alice smith'));
    assert.ok(row, csv.stdout);
    assert.match(row, /,failed,/);
  });

  it('emits through the emitter in batches, each outcome its own, numbered 1, 2, 3 … in the record', async () => {
    const emitter = new Emitter();
    const types = libauditTypeTable();
    const nonces = Array.from({ length: 200 }, nonce);
    const outcomes = await Promise.all(
      nonces.map((n, i) =>
        emitter.emit(
          buildRecord(parseEvent({ type: 'TRUSTED_APP', fields: { nonce: n, i } }, types), undefined, 4096),
        ),
      ),
    );
    await emitter.close();
    assert.ok(outcomes.every((o) => o.ok));
    const seqs = outcomes.map((o) => (o.ok ? o.seq : -1));
    assert.deepEqual(
      seqs,
      Array.from({ length: 200 }, (_, i) => i + 1),
      'numbered in order, no gaps',
    );
    const last = await findByNonce(auditd.log, nonces.at(-1) ?? '');
    assert.equal(fieldBytes(last, 'i')?.toString(), '199');
    assert.equal(fieldBytes(last, 'ar_run')?.toString(), emitter.run);
    assert.equal(fieldBytes(last, 'ar_seq')?.toString(), '200');
  });

  it('retires an idle worker (its audit fd closed, its thread gone) and numbers on with a new one', async () => {
    // Our NETLINK_AUDIT sockets: /proc/self/fd links to socket inodes that /proc/net/netlink lists as 9.
    const auditFds = () => {
      const audit = new Set(
        readFileSync('/proc/self/net/netlink', 'utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((f) => f[1] === '9')
          .map((f) => `socket:[${f[9]}]`),
      );
      return readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return audit.has(readlinkSync(`/proc/self/fd/${fd}`));
        } catch {
          return false; // readdir's own fd, closed meanwhile
        }
      }).length;
    };
    const threads = () => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const fdsBefore = auditFds();
    const threadsBefore = threads();
    const emitter = new Emitter({ retireIdleWorkerMs: 100 });
    const types = libauditTypeTable();
    const emit = (n: string) =>
      emitter.emit(
        buildRecord(parseEvent({ type: 'TRUSTED_APP', fields: { nonce: n } }, types), undefined, 4096),
      );
    const first = await emit(nonce());
    assert.equal(first.ok && first.seq, 1);
    assert.equal(emitter.fdOpen, true);
    assert.equal(auditFds(), fdsBefore + 1, 'the worker opened one audit socket');
    await waitFor(
      async () => (threads() === threadsBefore ? true : undefined),
      5000,
      'the worker thread to end',
    );
    assert.equal(emitter.fdOpen, false);
    assert.equal(auditFds(), fdsBefore, 'its audit socket closed, not leaked');
    const tag = nonce();
    const second = await emit(tag);
    assert.equal(second.ok && second.seq, 2, 'a new worker numbers on');
    await emitter.close();
    assert.equal(fieldBytes(await findByNonce(auditd.log, tag), 'ar_seq')?.toString(), '2');
  });

  it('keeps a paced worker until its token bucket would have refilled (a new one starts full)', async () => {
    // rate 10/s, burst 5: a drained bucket is full again after 500 ms, well past the 50 ms idle delay.
    const emitter = new Emitter({ retireIdleWorkerMs: 50, pace: { rate: 10, burst: 5 } });
    const types = libauditTypeTable();
    const record = buildRecord(
      parseEvent({ type: 'TRUSTED_APP', fields: { paced: 1 } }, types),
      undefined,
      4096,
    );
    await Promise.all(Array.from({ length: 5 }, () => emitter.emit(record)));
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(emitter.fdOpen, true, 'not retired before the bucket refilled');
    await waitFor(async () => (emitter.fdOpen ? undefined : true), 5000, 'the retirement');
    await emitter.close();
  });

  it('refuses an event without CAP_AUDIT_WRITE: EPERM, exit 77, nothing recorded', async () => {
    const n = nonce();
    const program = stageProgram(); // nobody may not be able to enter the checkout
    const { code, stderr } = await run('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      process.execPath,
      program.cli,
      'emit',
      '--direct',
      '--type',
      'TRUSTED_APP',
      `nonce=${n}`,
    ]).finally(() => program.remove());
    assert.equal(code, 77, stderr);
    assert.match(stderr, /EPERM/);
    assert.match(stderr, /CAP_AUDIT_WRITE/);
    await assert.rejects(findByNonce(auditd.log, n, 1500));
  });

  it('refuses an event from a user namespace: ECONNREFUSED, exit 69', async () => {
    const { code, stderr } = await run('unshare', [
      '--user',
      '--map-root-user',
      'node',
      CLI,
      'emit',
      '--direct',
      '--type',
      'TRUSTED_APP',
      'x=1',
    ]);
    assert.equal(code, 69, stderr);
    assert.match(stderr, /ECONNREFUSED/);
  });

  it('names the program with audit_log_user_comm_message (comm=, encoded by libaudit)', async () => {
    const n = nonce();
    const fd = auditOpen();
    try {
      const seq = logUserCommMessage(fd, {
        type: 1121,
        message: `nonce="${n}"`,
        comm: 'my app',
        addr: null,
        success: true,
      });
      assert.ok(seq > 0);
    } finally {
      auditClose(fd);
    }
    const record = await findByNonce(auditd.log, n);
    assert.equal(record.raw.get('comm'), '6D7920617070');
    assert.equal(record.interpreted.get('comm'), 'my app');
  });
});
