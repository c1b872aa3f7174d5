/**
 * Identity and policy for real: clients running as other uids (setpriv) are allowed or refused exactly as
 * configured, records name the real sender, refusals are audited; and a daemon without CAP_AUDIT_WRITE
 * answers EPERM — never ok.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { findByNonce, nonce } from '../harness/ausearch.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { configFor, startDaemon } from '../harness/daemon.js';
import { run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type StagedProgram, stageProgram } from '../harness/staged-program.js';

const skip = await whyNoKernelAudit();
const NOBODY = 65534;
const asNobody = [
  'setpriv',
  `--reuid=${NOBODY}`,
  `--regid=${NOBODY}`,
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
];

/** `auditrelay emit --socket` run as nobody (from a staged copy), with no capabilities at all. */
function emitAsNobody(program: StagedProgram, socket: string, args: string[]) {
  return run(asNobody[0] ?? 'setpriv', [
    ...asNobody.slice(1),
    process.execPath,
    program.cli,
    'emit',
    '--socket',
    socket,
    ...args,
  ]);
}

describe('daemon identity, policy and kernel refusal', { skip }, () => {
  let auditd: CapturingAuditd;
  let program: StagedProgram;
  before(async () => {
    program = stageProgram();
    auditd = await startCapturingAuditd();
  });
  after(async () => {
    await auditd?.stop();
    program?.remove();
  });

  it('allows and refuses by the real uid, and records who sent it', async () => {
    const daemon = await startDaemon({
      config: `${configFor([NOBODY], ['USYS_CONFIG'], 'socket_mode = "0666"\nrefusal_report_interval = "1s"')}`,
    });
    try {
      const allowed = nonce();
      const ok = await emitAsNobody(program, daemon.socket, [
        '--type',
        'USYS_CONFIG',
        '--op',
        'set',
        `nonce=${allowed}`,
      ]);
      assert.equal(ok.code, 0, ok.stderr);
      const record = await findByNonce(auditd.log, allowed);
      assert.equal(record.raw.get('sender_user'), String(NOBODY));
      assert.equal(record.raw.get('sender_group'), String(NOBODY));
      assert.equal(
        record.raw.get('uid'),
        '0',
        'the kernel names the daemon; the sender travels in our fields',
      );

      const denied = await emitAsNobody(program, daemon.socket, [
        '--type',
        'USER_LOGIN',
        '--op',
        'login',
        '--acct',
        'root',
        `nonce=${nonce()}`,
      ]);
      assert.equal(denied.code, 77, denied.stderr);
      assert.match(denied.stderr, /POLICY_DENIED/);

      const client = await connect(daemon.socket); // root: no rule names uid 0
      await assert.rejects(client.send({ type: 'USYS_CONFIG', op: 'x' }), { code: 'POLICY_DENIED' });
      for (let i = 0; i < 5; i++) await assert.rejects(client.send({ type: 'USYS_CONFIG', op: 'x' }));
      await client.close();

      // The first refusal per (uid, code) is recorded at once, the rest summarised at the interval's end.
      const refusals = await waitFor(
        () => {
          const lines = readFileSync(auditd.log, 'latin1')
            .split('\n')
            .filter((l) => l.includes('op=auditrelay-refusal'));
          return lines.some((l) => l.includes('sender_user=0') && l.includes('refused="5"'))
            ? lines
            : undefined;
        },
        5000,
        'the refusal summary record',
      );
      assert.ok(refusals.some((l) => l.includes(`sender_user=${NOBODY}`) && l.includes('refused="1"')));
      assert.ok(refusals.every((l) => l.includes('type=USER_ERR') && l.includes('res=failed')));
    } finally {
      await daemon.stop();
    }
  });

  it('answers EPERM, never ok, when the daemon lacks CAP_AUDIT_WRITE, and keeps running', async () => {
    const daemon = await startDaemon({
      config: configFor([0], ['TRUSTED_APP']),
      wrapper: asNobody,
      dirOwner: NOBODY,
      cli: program.cli,
    });
    try {
      const client = await connect(daemon.socket);
      for (let i = 0; i < 3; i++) {
        await assert.rejects(client.send({ type: 'TRUSTED_APP', fields: { nonce: nonce() } }), {
          code: 'EPERM',
        });
      }
      const status = (await client.status()) as {
        counters: { kernel_failures: number; emitted: number };
        kernel: { last_error: string };
      };
      await client.close();
      assert.equal(status.counters.kernel_failures, 3);
      assert.equal(status.counters.emitted, 0);
      assert.equal(status.kernel.last_error, 'EPERM');
      assert.match(daemon.log(), /error: kernel refused a record: .*EPERM.*CAP_AUDIT_WRITE/);
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
  });
});
