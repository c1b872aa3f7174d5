/**
 * Least privilege for real: the daemon started the way auditrelay.service starts it — an unprivileged user
 * with only CAP_AUDIT_WRITE (ambient), the socket passed in through LISTEN_FDS — records events; without the
 * capability it answers EPERM, never ok.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { fieldBytes, findByNonce, nonce } from '../harness/ausearch.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { configFor, type RunningDaemon, startDaemon } from '../harness/daemon.js';
import { REPO_ROOT, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type StagedProgram, stageProgram } from '../harness/staged-program.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const skip = await whyNoKernelAudit();
const NOBODY = 65534;

function asUnit(capabilities: string, socket: string): string[] {
  return [
    'python3',
    `${REPO_ROOT}test/harness/socket_activate.py`,
    socket,
    '0666',
    'setpriv',
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    '--clear-groups',
    `--inh-caps=-all${capabilities}`,
    `--ambient-caps=-all${capabilities}`,
    `--bounding-set=-all${capabilities}`,
  ];
}

/** The daemon as the unit starts it, run from `program` (staged: nobody cannot enter every checkout). */
async function activated(
  program: StagedProgram,
  socketDir: string,
  capabilities: string,
): Promise<{ daemon: RunningDaemon; socket: string }> {
  const socket = join(socketDir, capabilities === '' ? 'none.sock' : 'write.sock');
  const daemon = await startDaemon({
    config: configFor([0], ['TRUSTED_APP']).replace(
      'socket = "{socket}"',
      'socket = "/nonexistent/unused.sock"',
    ),
    wrapper: asUnit(capabilities, socket),
    waitForSocket: false,
    cli: program.cli,
  });
  try {
    await waitFor(
      () => (daemon.log().includes('the socket systemd passed') ? true : undefined),
      10_000,
      'the activated daemon',
    );
  } catch (error) {
    await daemon.stop();
    throw new Error(`${(error as Error).message}; daemon log: ${daemon.log()}`);
  }
  return { daemon, socket };
}

describe('least privilege', { skip }, () => {
  let auditd: CapturingAuditd;
  let program: StagedProgram;
  let socketDir: string;
  before(async () => {
    program = stageProgram();
    socketDir = makeTempDir('auditrelay-lp-', 0o755);
    auditd = await startCapturingAuditd();
  });
  after(async () => {
    await auditd?.stop();
    program?.remove();
    if (socketDir !== undefined) removeTempDir(socketDir);
  });

  it('records events as an unprivileged user holding only CAP_AUDIT_WRITE', async () => {
    const { daemon, socket } = await activated(program, socketDir, ',+audit_write');
    try {
      const status = readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+65534\s/m);
      assert.match(status, /^CapEff:\s+0000000020000000$/m, 'CAP_AUDIT_WRITE and nothing else');
      const tag = nonce();
      const client = await connect(socket);
      await client.send({
        type: 'TRUSTED_APP',
        fields: { nonce: tag, value: 'from the least-privileged daemon' },
      });
      await client.close();
      const record = await findByNonce(auditd.log, tag);
      assert.equal(record.raw.get('uid'), String(NOBODY), 'the kernel names the daemon user');
      assert.equal(fieldBytes(record, 'value')?.toString(), 'from the least-privileged daemon');
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
  });

  it('answers EPERM, never ok, without the capability', async () => {
    const { daemon, socket } = await activated(program, socketDir, '');
    try {
      const client = await connect(socket);
      await assert.rejects(client.send({ type: 'TRUSTED_APP', fields: { x: 1 } }), { code: 'EPERM' });
      await client.close();
    } finally {
      await daemon.stop();
    }
  });
});
