/**
 * Property test: what ausearch and aureport say about our records is what auparse says, and what the
 * application sent. Those tools find `res=`, `exe=`, `uid=`, `acct=` … by substring (src/ausearch-parse.c),
 * so random events full of values and names built to fool them are written through the real emitter
 * and kernel, and every search option an auditor uses must select exactly the records it should.
 *
 * @relation(AR-REQ-002)
 */
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { readAuditRecords } from '../../native/libauparse.js';
import { Emitter } from '../../src/audit/emitter.js';
import { parseEvent } from '../../src/audit/event.js';
import { buildRecord, type Sender } from '../../src/audit/record.js';
import { libauditTypeTable } from '../../src/audit/type-table.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';

const skip = await whyNoKernelAudit();
const EVENTS = 2000;
/** Text the tools' scanners key on, as values and inside values. */
const BAIT = [
  'res=success',
  'res=failed',
  "res=failed'",
  'exe=/usr/sbin/sshd',
  'exe="/usr/sbin/sshd"',
  'uid=0',
  ' uid=4242 ',
  'auid=0',
  'acct=root',
  'acct="root"',
  'hostname=evil.example',
  'addr=203.0.113.66',
  'terminal=tty1',
  'comm=sshd',
  'ses=1',
  'pid=1',
  'key=x',
  'result=failed)',
];
const ADDRS = ['192.0.2.7', '2001:db8::7', '198.51.100.9'];
/** The sender claims to be sshd: its fields must not stand in for the record's own exe/uid/pid. */
const SENDER: Sender = { pid: 4242, uid: 4242, gid: 4242, gids: [], comm: 'sshd', exe: '/usr/sbin/sshd' };

const value = fc.oneof(
  fc.constantFrom(...BAIT),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...BAIT)).map(([a, b]) => `${a}${b}`),
  fc.string({ maxLength: 24 }),
);
const fields = fc.dictionary(fc.constantFrom('value', 'note', 'target', 'setting', 'user', 'detail'), value, {
  maxKeys: 4,
});
const event = fc.record({
  type: fc.constantFrom('USER_LOGIN', 'USER_AUTH', 'ADD_USER', 'USYS_CONFIG', 'TRUSTED_APP', 'USER_CMD'),
  result: fc.constantFrom('success' as const, 'failed' as const),
  acct: fc.constantFrom('alice', 'root', 'bob smith'),
  addr: fc.option(fc.constantFrom(...ADDRS), { nil: undefined }),
  fields,
});

interface Sent {
  readonly type: string;
  readonly success: boolean;
  readonly acct: string | undefined;
  readonly addr: string | undefined;
}

/** ar_seq by event serial (`msg=audit(time:serial)`), for reading aureport's rows. */
const bySerial = new Map<number, number>();

/** The ar_seq of every record of `run` that `args` select, as ausearch prints them (--raw). */
async function ausearch(log: string, emitterRun: string, args: readonly string[]): Promise<Set<number>> {
  const { stdout, stderr, code } = await run('ausearch', ['-if', log, '--raw', ...args]);
  // Nothing found: exit 1, with "<no matches>" or (for -x of a program not installed) nothing at all.
  assert.ok(code === 0 || (code === 1 && stdout === ''), `ausearch ${args.join(' ')}: ${stderr}`);
  const seqs = new Set<number>();
  for (const line of stdout.split('\n')) {
    if (!line.includes(`ar_run="${emitterRun}"`)) continue;
    const seq = /ar_seq="(\d+)"/.exec(line)?.[1];
    const serial = /msg=audit\(\d+\.\d+:(\d+)\)/.exec(line)?.[1];
    if (seq !== undefined) seqs.add(Number(seq));
    if (seq !== undefined && serial !== undefined) bySerial.set(Number(serial), Number(seq));
  }
  return seqs;
}

/** A report's rows: `N. date time <columns…> event`, columns split on spaces (an account may hold one). */
async function aureport(log: string, args: readonly string[]): Promise<{ rows: string[][]; text: string }> {
  const { stdout, stderr, code } = await run('aureport', ['-if', log, ...args]);
  assert.equal(code, 0, `aureport ${args.join(' ')}: ${stderr}`);
  const rows = stdout
    .split('\n')
    .filter((line) => /^\d+\. /.test(line))
    .map((line) => line.split(' ').slice(3));
  return { rows, text: stdout };
}

/** Our record behind a report row (its last column is the event serial); undefined for others'. */
function seqOf(row: readonly string[]): number | undefined {
  return bySerial.get(Number(row.at(-1)));
}

function seqsWhere(sent: ReadonlyMap<number, Sent>, keep: (s: Sent) => boolean): Set<number> {
  return new Set([...sent].filter(([, s]) => keep(s)).map(([seq]) => seq));
}

describe('ausearch and aureport read our records as auparse does', { skip }, () => {
  let auditd: CapturingAuditd;
  const sent = new Map<number, Sent>();
  let emitterRun = '';
  const seed = Date.now();
  before(async () => {
    auditd = await startCapturingAuditd();
    const types = libauditTypeTable();
    const emitter = new Emitter();
    emitterRun = emitter.run;
    const inputs = fc.sample(event, { numRuns: EVENTS, seed });
    const outcomes = await Promise.all(
      inputs.map(async (input) => {
        const isAccount = ['USER_LOGIN', 'USER_AUTH', 'ADD_USER'].includes(String(input.type));
        const parsed = parseEvent(
          isAccount ? { ...input, op: 'login' } : { ...input, acct: undefined },
          types,
        );
        const outcome = await emitter.emit(buildRecord(parsed, SENDER, 4096));
        if (!outcome.ok) throw new Error(`emit failed: ${outcome.code}`);
        sent.set(outcome.seq, {
          type: parsed.type.name,
          success: parsed.success,
          acct: parsed.acct,
          addr: parsed.addr,
        });
      }),
    );
    assert.equal(outcomes.length, EVENTS);
    await emitter.close();
    await waitFor(
      async () => ((await ausearch(auditd.log, emitterRun, [])).size === EVENTS ? true : undefined),
      15_000,
      `${EVENTS} records in the log`,
    );
  });
  after(async () => {
    await auditd?.stop();
  });

  it(`auparse reads back type, result, account and address of every record (seed ${seed})`, () => {
    const seen = new Map<number, readonly (string | undefined)[]>();
    readAuditRecords(
      [auditd.log],
      {
        type: () => true,
        required: 'ar_seq',
        fields: ['ar_run', 'ar_seq', 'res', 'acct', 'addr', 'exe', 'uid'],
      },
      (record) => {
        if (record.values[0] === emitterRun) seen.set(Number(record.values[1]), [...record.values.slice(2)]);
      },
    );
    assert.equal(seen.size, EVENTS);
    for (const [seq, s] of sent) {
      const [res, acct, addr, exe, uid] = seen.get(seq) ?? [];
      assert.equal(res, s.success ? 'success' : 'failed', `res of ${seq}`);
      if (s.acct !== undefined && !s.acct.includes(' ')) assert.equal(acct, s.acct, `acct of ${seq}`);
      assert.equal(addr, s.addr ?? '?', `addr of ${seq}`);
      assert.equal(exe, realpathSync(process.execPath), `exe of ${seq}`);
      assert.equal(uid, String(process.getuid?.()), `uid of ${seq}`);
    }
  });

  it('ausearch --success, -m, -x, -ui, -ua, -p, -hn, -c select exactly the records they should', async () => {
    const all = new Set(sent.keys());
    const none = new Set<number>();
    const uid = String(process.getuid?.());
    const cases: Array<[readonly string[], Set<number>]> = [
      [['--success', 'yes'], seqsWhere(sent, (s) => s.success)],
      [['--success', 'no'], seqsWhere(sent, (s) => !s.success)],
      [['-x', realpathSync(process.execPath)], all],
      [['-x', '/usr/sbin/sshd'], none],
      [['-ui', uid], all],
      [['-ua', uid], all],
      [['-ui', '4242'], none],
      [['-p', String(process.pid)], all],
      [['-p', '4242'], none],
      [['-c', 'sshd'], none],
      [['-hn', 'evil.example'], none],
      ...ADDRS.map((a): [readonly string[], Set<number>] => [
        ['-hn', a],
        seqsWhere(sent, (s) => s.addr === a),
      ]),
      ...['USER_LOGIN', 'USER_AUTH', 'ADD_USER', 'USYS_CONFIG', 'TRUSTED_APP', 'USER_CMD'].map(
        (t): [readonly string[], Set<number>] => [['-m', t], seqsWhere(sent, (s) => s.type === t)],
      ),
    ];
    for (const [args, expected] of cases) {
      const found = await ausearch(auditd.log, emitterRun, args);
      const wrong = [...found].filter((seq) => !expected.has(seq));
      const missed = [...expected].filter((seq) => !found.has(seq));
      assert.deepEqual(
        { wrong: wrong.length, missed: missed.length },
        { wrong: 0, missed: 0 },
        `ausearch ${args.join(' ')}: wrongly selected ${wrong.slice(0, 5).join(',')}, missed ${missed.slice(0, 5).join(',')}`,
      );
    }
  });

  it('aureport -l, -au, -m, --failed and -x show each record with its own result, account, host and program', async () => {
    const node = realpathSync(process.execPath);
    // -l and -au columns: auid-or-acct host term exe success event; -m: auid addr term exe acct success event
    const reports: Array<[readonly string[], string, (s: Sent) => boolean]> = [
      [['-l', '-i'], 'USER_LOGIN', () => true],
      [['-l', '--failed', '-i'], 'USER_LOGIN', (s) => !s.success],
      [['-l', '--success', '-i'], 'USER_LOGIN', (s) => s.success],
      [['-au', '-i'], 'USER_AUTH', () => true],
      [['-m', '-i'], 'ADD_USER', () => true],
    ];
    for (const [args, type, keep] of reports) {
      const { rows } = await aureport(auditd.log, args);
      const ours = rows.filter((row) => seqOf(row) !== undefined);
      const expected = seqsWhere(sent, (s) => s.type === type && keep(s));
      assert.deepEqual(
        new Set(ours.map(seqOf)),
        expected,
        `aureport ${args.join(' ')} lists exactly the ${type} records`,
      );
      for (const row of ours) {
        const s = sent.get(seqOf(row) ?? 0);
        assert.ok(s !== undefined);
        const where = `aureport ${args.join(' ')} row ${row.join(' ')}`;
        assert.equal(row.at(-2), s.success ? 'yes' : 'no', where);
        if (type === 'ADD_USER') {
          assert.equal(row.slice(4, -2).join(' '), s.acct, where);
          assert.equal(row[3], node, where);
        } else {
          assert.equal(row.at(-3), node, where);
          assert.equal(row.at(-5), s.addr ?? '?', where);
          // A failed login and every authentication are listed by account; a good login by auid.
          if (type === 'USER_AUTH' || !s.success) assert.equal(row.slice(0, -5).join(' '), s.acct, where);
        }
      }
    }
    const { text } = await aureport(auditd.log, ['--failed']);
    const failed = (name: string) => Number(new RegExp(`^Number of ${name}: (\\d+)$`, 'm').exec(text)?.[1]);
    assert.equal(failed('failed logins'), seqsWhere(sent, (s) => s.type === 'USER_LOGIN' && !s.success).size);
    assert.equal(
      failed('failed authentications'),
      seqsWhere(sent, (s) => s.type === 'USER_AUTH' && !s.success).size,
    );
    const programs = (await run('aureport', ['-if', auditd.log, '-x', '--summary', '-i'])).stdout;
    assert.doesNotMatch(programs, /\/usr\/sbin\/sshd/, 'no record counts as sshd');
  });
});
