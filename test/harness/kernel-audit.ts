/**
 * Kernel audit state for tests: read it (`auditctl -s`), decide whether a test may own it, and put it
 * back exactly as found. auditd sets `enabled 1` and does not reset it at exit (platform-facts).
 */
import { existsSync } from 'node:fs';
import { run } from './exec.js';

export type KernelStatus = Readonly<Record<string, string>>;

/** Fields that must be identical before and after a test (counters like lost/backlog may move). */
const STABLE = ['enabled', 'failure', 'pid', 'rate_limit', 'backlog_limit', 'backlog_wait_time'];

export async function kernelStatus(): Promise<KernelStatus> {
  const { stdout, code, stderr } = await run('auditctl', ['-s']);
  if (code !== 0) throw new Error(`auditctl -s failed: ${stderr}`);
  const status: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const [key, value] = line.trim().split(/\s+/, 2);
    if (key !== undefined && key !== '' && value !== undefined) status[key] = value;
  }
  return status;
}

/** Why a test that needs to own kernel audit cannot run here, or undefined when it can. */
export async function whyNoKernelAudit(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (kernel audit, auditd)';
  if (!existsSync('/sbin/auditd') && !existsSync('/usr/sbin/auditd')) return 'auditd is not installed';
  const status = await kernelStatus().catch(() => undefined);
  if (status === undefined) return 'kernel audit is not available (auditctl -s failed)';
  if (status['pid'] !== '0')
    return `another auditd (pid ${status['pid']}) owns kernel audit; not stopping it`;
  return undefined;
}

/** Restores `enabled` and checks that every stable field is back; throws listing the differences. */
export async function restoreKernelStatus(before: KernelStatus): Promise<void> {
  const now = await kernelStatus();
  if (now['enabled'] !== before['enabled'] && before['enabled'] !== undefined) {
    await run('auditctl', ['-e', before['enabled']]);
  }
  const after = await kernelStatus();
  const diff = STABLE.filter((key) => after[key] !== before[key]).map(
    (key) => `${key}: ${before[key]} → ${after[key]}`,
  );
  if (diff.length > 0) throw new Error(`Kernel audit state not restored: ${diff.join(', ')}`);
}

/**
 * The resolution of the kernel's audit time stamps, in ms. audit_log_start() stamps a record with
 * ktime_get_coarse_real_ts64(), which advances once per scheduler tick (CLOCK_REALTIME_COARSE, clock id
 * 5): two records a tick apart may carry the same stamp, so a span read from stamps is short by up to this.
 */
export async function kernelStampTickMs(): Promise<number> {
  const { stdout, code, stderr } = await run('python3', ['-c', 'import time; print(time.clock_getres(5))']);
  if (code !== 0) throw new Error(`clock_getres(CLOCK_REALTIME_COARSE) failed: ${stderr}`);
  return Number(stdout.trim()) * 1000;
}
