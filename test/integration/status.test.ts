/**
 * `auditrelay status` as root: kernel audit read through libaudit, drift of the managed files, local storage
 * leaks and the daemon's counters — each problem named by its code, exit 69 when there is one.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { type AuditRoot, makeAuditRoot } from '../harness/audit-root.js';
import { findByNonce, nonce } from '../harness/ausearch.js';
import { startCapturingAuditd } from '../harness/capturing-auditd.js';
import { configFor, type RunningDaemon, startDaemon } from '../harness/daemon.js';
import { CLI, REPO_ROOT, run } from '../harness/exec.js';
import { kernelStatus, whyNoKernelAudit } from '../harness/kernel-audit.js';

const skip = await whyNoKernelAudit();
const FORWARDING =
  '[forwarding]\ncollector = "192.0.2.10"\nport = 6060\ntransport = "tcp"\nallow_plaintext = true\n';

/** `auditrelay status --json` for a config and root; resolves with the exit code and the report. */
async function statusOf(root: AuditRoot, ...extra: string[]) {
  const result = await run('node', [
    CLI,
    'status',
    '--config',
    root.config,
    '--root',
    root.root,
    '--json',
    ...extra,
  ]);
  return { code: result.code, report: JSON.parse(result.stdout) };
}

const BURST = `${REPO_ROOT}dist/test/bench/emit-baseline`;

/**
 * Makes the kernel lose records: a backlog of 1 with no waiting, and a burst from the C loop. The limits
 * are put back whatever happens; the lost counter stays raised (that is the point). Returns it.
 */
async function raiseKernelLost(): Promise<number> {
  const before = await kernelStatus();
  const limit = before['backlog_limit'] ?? '8192';
  const wait = before['backlog_wait_time'] ?? '60000';
  await run('auditctl', ['-b', '1', '--backlog_wait_time', '0']);
  try {
    await run(BURST, ['3000', 'lost-burst']);
  } finally {
    await run('auditctl', ['-b', limit, '--backlog_wait_time', wait]);
  }
  const after = Number((await kernelStatus())['lost']);
  assert.ok(after > Number(before['lost']), `the burst lost nothing (lost ${before['lost']} → ${after})`);
  return after;
}

describe('status', { skip }, () => {
  const roots: AuditRoot[] = [];
  after(() => {
    for (const root of roots) root.remove();
  });

  it('names drift, leaks and a disabled kernel, and clears drift after apply', async () => {
    const root = makeAuditRoot(FORWARDING);
    roots.push(root);
    const status = () => statusOf(root, '--socket', '/nonexistent.sock');
    const before = await status();
    assert.equal(before.code, 69);
    const codes = before.report.problems.map((p: { code: string }) => p.code);
    assert.ok(codes.includes('CONFIG_DRIFT'));
    assert.ok(codes.includes('DAEMON_UNREACHABLE'));
    assert.equal(before.report.system.kernel.enabled, Number((await kernelStatus())['enabled']));
    assert.equal(before.report.system.drift.length, 3);
    assert.equal((await root.apply()).code, 0);
    const afterApply = await status();
    assert.deepEqual(afterApply.report.system.drift, []);
    writeFileSync(root.path('etc/audit/auditd.conf'), 'write_logs = yes\n');
    const edited = await status();
    assert.deepEqual(edited.report.system.drift, ['/etc/audit/auditd.conf']);
  });

  it("reports the running daemon's counters and the kernel as auditd owns it", async () => {
    const auditd = await startCapturingAuditd();
    const daemon = await startDaemon({ config: configFor([0], ['TRUSTED_APP']) });
    try {
      await run('node', [CLI, 'emit', '--socket', daemon.socket, '--type', 'TRUSTED_APP', 'x=1']);
      const root = makeAuditRoot(`[daemon]\nsocket = "${daemon.socket}"\n${FORWARDING}`);
      roots.push(root);
      const { report } = await statusOf(root);
      assert.equal(report.daemon.counters.emitted, 1);
      assert.equal(report.system.kernel.pid, auditd.pid);
      assert.equal(report.system.kernel.enabled, 1);
      assert.equal(report.system.auditd.pid, auditd.pid);
    } finally {
      await daemon.stop();
      await auditd.stop();
    }
  });

  it('names only what the kernel lost since the daemon started, whatever it lost before', async () => {
    const auditd = await startCapturingAuditd();
    let daemon: RunningDaemon | undefined;
    try {
      const lostBefore = await raiseKernelLost();
      daemon = await startDaemon({ config: configFor([0], ['TRUSTED_APP']) });
      const root = makeAuditRoot(`[daemon]\nsocket = "${daemon.socket}"\n${FORWARDING}`);
      roots.push(root);
      const codes = (report: { problems: Array<{ code: string }> }) => report.problems.map((p) => p.code);
      const first = (await statusOf(root)).report;
      assert.equal(first.daemon.kernel.lost_at_start, lostBefore);
      assert.ok(!codes(first).includes('KERNEL_LOST'), 'a loss before the daemon started is history');
      const lostAfter = await raiseKernelLost();
      const second = (await statusOf(root)).report;
      const problem = second.problems.find((p: { code: string }) => p.code === 'KERNEL_LOST');
      assert.match(
        problem?.message ?? '',
        new RegExp(
          `lost ${lostAfter - lostBefore} record\\(s\\) since the daemon started \\(${lostAfter} since boot\\)`,
        ),
      );
    } finally {
      await daemon?.stop();
      await auditd.stop();
    }
  });

  it('names a rule that drops user records the kernel still acknowledges', async () => {
    const root = makeAuditRoot(FORWARDING);
    roots.push(root);
    const auditd = await startCapturingAuditd();
    // A rule of the kernel's, not of auditd: removed in finally, whatever happens.
    const rule = ['never,user', '-F', 'msgtype=TRUSTED_APP'];
    assert.equal((await run('auditctl', ['-a', ...rule])).code, 0);
    try {
      const tag = nonce();
      const emitted = await run('node', [CLI, 'emit', '--direct', '--type', 'TRUSTED_APP', `nonce=${tag}`]);
      assert.equal(emitted.code, 0, 'the kernel acknowledged it');
      const control = nonce();
      await run('node', [CLI, 'emit', '--direct', '--type', 'USYS_CONFIG', `nonce=${control}`]);
      await findByNonce(auditd.log, control);
      assert.equal(readFileSync(auditd.log, 'utf8').includes(tag), false, 'yet the record was dropped');
      const { report } = await statusOf(root, '--socket', '/nonexistent.sock');
      const problem = report.problems.find(
        (p: { code: string }) => p.code === 'AUDIT_RULES_DROP_USER_RECORDS',
      );
      assert.match(problem?.message ?? '', /-a never,user -F msgtype=TRUSTED_APP/);
      assert.deepEqual(report.system.dropping_rules, ['-a never,user -F msgtype=TRUSTED_APP']);
    } finally {
      await run('auditctl', ['-d', ...rule]);
      await auditd.stop();
    }
    const { report } = await statusOf(root, '--socket', '/nonexistent.sock');
    assert.deepEqual(report.system.dropping_rules, []);
  });
});
