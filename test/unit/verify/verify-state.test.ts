/**
 * `verify --state` (#21 item 4), through the CLI on hand-made KRB5 collector logs: each run reads only
 * what is new and reports what a one-shot verify over all of it reports — across an unfinished last
 * line, a rotation, others' records that arrive before their tally; a state file another user could
 * write, or that is not ours, is refused; a reused inode is read again from its start.
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Tally } from '../../../src/tap/tally.js';
import { CLI, run } from '../../harness/exec.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const RUN = 'aaaaaaaaaaaa';
const T0 = 1764686400;
let serial = 100;

/** One of our records from devA, as a KRB5 collector writes it. */
function ours(seq: number, message = 'op=set', ms = T0 * 1000 + seq * 10): string {
  return (
    `node=devA type=TRUSTED_APP msg=audit(${(ms / 1000).toFixed(3)}:${serial++}): pid=9 uid=0 auid=4294967295 ses=4294967295 ` +
    `msg='${message} ar_run="${RUN}" ar_seq="${seq}" exe="/usr/bin/node" hostname=? addr=? terminal=? res=success'` +
    `\x1dUID="root" krb5=auditd/devA@LAB\n`
  );
}

/** A kernel record of devA's, with its tally line (seq `seq`). */
function kernelWithTally(s: number, seq: number): { kernel: string; tally: string } {
  const text = `audit(${T0}.500:${s}): arch=c000003e syscall=59 success=yes exit=0 a0=1 items=1 key=(null)`;
  const t = new Tally();
  t.add(1300, text);
  const record = t.take();
  assert.ok(record?.kind === 'user');
  return {
    kernel: `node=devA type=SYSCALL msg=${text}\x1dARCH=x86_64 krb5=auditd/devA@LAB\n`,
    tally: ours(seq, record.message),
  };
}

interface Out {
  read_bytes: number;
  resumed: boolean;
  missing: number;
  others_missing: number;
  runs: Array<{ records: number; missing: number[][]; lastSeq: number }>;
  foreign: Array<{ expectedKernel: number; foundKernel: number }>;
}

describe('verify --state', () => {
  const dir = makeTempDir('auditrelay-verify-state-');
  after(() => removeTempDir(dir));
  let n = 0;
  const verify = async (args: string[]) => {
    const r = await run(process.execPath, [
      CLI,
      'verify',
      '--json',
      '--as-of',
      new Date(T0 * 1000).toISOString(),
      ...args,
    ]);
    return {
      code: r.code,
      stderr: r.stderr,
      out: (r.stdout === '' ? undefined : JSON.parse(r.stdout)) as Out,
    };
  };
  /** A collector's log directory, and a state file beside it. */
  const fresh = () => {
    const d = join(dir, `c${n++}`);
    const logs = join(d, 'logs');
    mkdirSync(logs, { recursive: true });
    return { log: join(logs, 'audit.log'), logs, state: join(d, 'verify.state') };
  };

  it('reads only what is new, and reports what a one-shot verify over all of it reports', async () => {
    const c = fresh();
    const { kernel, tally } = kernelWithTally(7, 4);
    // First part: 1-3, and a kernel record whose tally comes later; then an unfinished line.
    writeFileSync(c.log, ours(1) + ours(2) + ours(3) + kernel);
    const half = ours(5);
    appendFileSync(c.log, half.slice(0, 40));
    const first = await verify(['--state', c.state, c.logs]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.out.resumed, false);
    assert.equal(first.out.runs[0]?.lastSeq, 3, 'the unfinished line is not read');
    // Second part: the rest of that line, the tally (seq 4), 6 missing, 7.
    appendFileSync(c.log, half.slice(40) + tally + ours(7));
    const before = readFileSync(c.log).length;
    const second = await verify(['--state', c.state, c.logs]);
    assert.equal(second.out.resumed, true);
    assert.equal(second.out.read_bytes, before - first.out.read_bytes, 'only the new bytes');
    const once = await verify([c.logs]);
    assert.deepEqual(
      [
        second.out.missing,
        second.out.others_missing,
        second.out.runs[0]?.missing,
        second.out.runs[0]?.records,
      ],
      [once.out.missing, once.out.others_missing, once.out.runs[0]?.missing, once.out.runs[0]?.records],
    );
    assert.deepEqual(second.out.runs[0]?.missing, [[6, 6]]);
    assert.deepEqual(
      [second.out.foreign[0]?.expectedKernel, second.out.foreign[0]?.foundKernel],
      [1, 1],
      'the kernel record read before its tally is found',
    );
    assert.equal(second.code, 65);
    const third = await verify(['--state', c.state, c.logs]);
    assert.deepEqual(
      [third.out.read_bytes, third.out.runs[0]?.missing],
      [0, [[6, 6]]],
      'nothing new: same report',
    );
    const saved = JSON.parse(readFileSync(c.state, 'utf8')) as { foreign: { open: unknown[] } };
    assert.deepEqual(saved.foreign.open, [], 'a tally whose records all arrived is settled');
  });

  it('follows a rotation by inode, reading the rest of the rotated log and the new one', async () => {
    const c = fresh();
    writeFileSync(c.log, ours(1) + ours(2));
    assert.equal((await verify(['--state', c.state, c.logs])).code, 0);
    const late = ours(3); // auditd's last line before it rotated
    appendFileSync(c.log, late);
    renameSync(c.log, `${c.log}.1`);
    const fresher = ours(4) + ours(6);
    writeFileSync(c.log, fresher);
    const next = await verify(['--state', c.state, c.logs]);
    assert.equal(next.out.read_bytes, late.length + fresher.length);
    assert.deepEqual([next.out.runs[0]?.records, next.out.runs[0]?.missing], [5, [[5, 5]]]);
  });

  it('reads a reused inode again from its start when its head changed', async () => {
    const c = fresh();
    writeFileSync(c.log, ours(1) + ours(2));
    await verify(['--state', c.state, c.logs]);
    // Same inode, other content (truncated and rewritten).
    writeFileSync(c.log, `${ours(3).replace('op=set', 'op=xyz')}${ours(4)}`);
    const next = await verify(['--state', c.state, c.logs]);
    assert.equal(next.out.read_bytes, readFileSync(c.log).length);
    assert.equal(next.out.runs[0]?.records, 4);
  });

  it('refuses a state file others can write, or one that is not ours, reading nothing', async () => {
    const c = fresh();
    writeFileSync(c.log, ours(1));
    writeFileSync(c.state, '{}', { mode: 0o600 });
    const invalid = await verify(['--state', c.state, c.logs]);
    assert.equal(invalid.code, 65);
    assert.match(invalid.stderr, /VERIFY_STATE_INVALID/);
    assert.equal(readFileSync(c.state, 'utf8'), '{}', 'left as it was');
    rmSync(c.state);
    await verify(['--state', c.state, c.logs]);
    chmodSync(c.state, 0o666);
    const unsafe = await verify(['--state', c.state, c.logs]);
    assert.match(unsafe.stderr, /VERIFY_STATE_UNSAFE/);
    assert.notEqual(unsafe.code, 0);
  });
});
