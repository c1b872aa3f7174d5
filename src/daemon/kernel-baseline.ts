/**
 * The kernel's `lost` counter when the daemon started, so that `status` names only what was lost since:
 * the counter counts since boot, and one record lost at boot (or by an earlier, unrelated run) would mark
 * a device unhealthy for ever. Reading it needs CAP_AUDIT_CONTROL, which the daemon holds only when run as
 * root; under systemd, the unit's ExecStartPre (root, `auditctl -s`) reads it and passes it in
 * AUDITRELAY_KERNEL_LOST_AT_START, which is then used without asking the kernel. null when neither could.
 *
 * @relation(AR-REQ-024)
 */
import { type KernelAuditStatus, kernelAuditStatus } from '../../native/audit-status.js';

export const BASELINE_ENV = 'AUDITRELAY_KERNEL_LOST_AT_START';

export function kernelLostAtStart(
  env: NodeJS.ProcessEnv = process.env,
  read: () => KernelAuditStatus = kernelAuditStatus,
): number | null {
  // Under systemd the unit passes it, and asking the kernel would only fail (EPERM): ask only without it.
  const passed = env[BASELINE_ENV]?.trim() ?? '';
  if (/^\d{1,10}$/.test(passed)) return Number(passed);
  try {
    return read().lost;
  } catch {
    return null;
  }
}
