/**
 * The root-side health of forwarding for `auditrelay status`: kernel audit (via libaudit), auditd and its
 * audisp-remote child, drift of the managed files from what apply would write, storage leaks and the
 * Kerberos preflight. Each problem is named with a stable code.
 *
 * @relation(AR-REQ-010)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type KernelAuditStatus, kernelAuditStatus } from '../../native/audit-status.js';
import type { KnownCode } from '../errors/codes.js';
import { AuditRelayError } from '../errors/error.js';
import { droppingRules } from '../forwarding/dropping-rules.js';
import { detectAudit } from '../forwarding/installed-audit.js';
import { type JournalDrops, journalDrops } from '../forwarding/journal-drops.js';
import { makePlan } from '../forwarding/plan.js';
import { forwardingProcesses, forwardingUp, listProcesses } from '../forwarding/processes.js';
import type { ApplyConfig } from '../forwarding/schema.js';
import type { StorageLeak } from '../forwarding/storage-leaks.js';
import { journalPath } from '../forwarding/write-journal.js';
import { type PreflightReport, preflight } from '../kerberos/preflight.js';

export interface Problem {
  readonly code: KnownCode;
  readonly message: string;
}

export interface SystemStatus {
  readonly kernel: KernelAuditStatus | { readonly error: string };
  readonly auditd: {
    readonly pid: number | null;
    readonly audisp_remote_pid: number | null;
    readonly collector_connected: boolean;
  };
  /** Audit rules that drop user records the kernel acknowledged (`auditctl -l` lines); null when unknown. */
  readonly dropping_rules: readonly string[] | null;
  readonly drift: readonly string[];
  readonly leaks: readonly StorageLeak[];
  readonly preflight: PreflightReport | null;
  /** Drop lines from auditd/audisp-remote in this boot's journal; null without journald or with --root. */
  readonly journal: JournalDrops | null;
  readonly problems: readonly Problem[];
}

function readKernel(): KernelAuditStatus | { error: string } {
  try {
    return kernelAuditStatus();
  } catch (error) {
    const code = error instanceof AuditRelayError ? error.code : 'ERROR';
    return {
      error:
        code === 'EPERM'
          ? 'EPERM: reading kernel audit status needs root (CAP_AUDIT_CONTROL)'
          : String(error),
    };
  }
}

export async function systemStatus(config: ApplyConfig, root: string): Promise<SystemStatus> {
  const problems: Problem[] = [];
  const kernel = readKernel();
  if ('error' in kernel) problems.push({ code: 'KERNEL_STATUS_UNREADABLE', message: kernel.error });
  else {
    if (kernel.enabled === 0)
      problems.push({
        code: 'KERNEL_AUDIT_DISABLED',
        message: 'kernel audit is disabled (enabled 0): user records are dropped silently',
      });
    if (kernel.pid === 0)
      problems.push({
        code: 'AUDITD_NOT_RUNNING',
        message: 'no auditd owns kernel audit: records go to the kernel log, not to the collector',
      });
    if (kernel.lost > 0)
      problems.push({
        code: 'KERNEL_LOST',
        message: `the kernel lost ${kernel.lost} record(s) (backlog overflow)`,
      });
  }
  const rules = droppingRules();
  if (rules !== undefined && rules.length > 0)
    problems.push({
      code: 'AUDIT_RULES_DROP_USER_RECORDS',
      message: `audit rules drop user records after the kernel acknowledged them (auditrelay answers ok; they are never forwarded): ${rules.join('; ')}`,
    });
  const kernelPid = 'error' in kernel || kernel.pid === 0 ? undefined : kernel.pid;
  const found = forwardingProcesses(listProcesses(), kernelPid);
  const f = config.forwarding;
  const connected = f !== undefined && forwardingUp(found.audispRemote, f.port);
  if (f !== undefined && found.auditd !== undefined && found.audispRemote === undefined) {
    problems.push({
      code: 'AUDISP_REMOTE_NOT_RUNNING',
      message: 'auditd runs without audisp-remote: nothing is forwarded',
    });
  } else if (f !== undefined && found.audispRemote !== undefined && !connected) {
    problems.push({
      code: 'COLLECTOR_NOT_CONNECTED',
      message: `audisp-remote has no connection to the collector port ${f.port}`,
    });
  }
  let drift: string[] = [];
  let leaks: readonly StorageLeak[] = [];
  let report: PreflightReport | null = null;
  if (f !== undefined) {
    const plan = makePlan(config, root, detectAudit(root));
    drift = plan.files.filter((file) => file.changed).map((file) => file.devicePath);
    for (const path of drift)
      problems.push({
        code: 'CONFIG_DRIFT',
        message: `${path} differs from what apply writes: run auditrelay apply`,
      });
    const pendingApply = join(root, journalPath(config.auditd.config_dir));
    if (existsSync(pendingApply))
      problems.push({
        code: 'APPLY_INTERRUPTED',
        message: `an apply was interrupted before auditd was restarted (${pendingApply}): run auditrelay apply`,
      });
    leaks = plan.leaks;
    for (const leak of leaks) problems.push({ code: leak.code, message: leak.message });
    report = await preflight(f, { root });
    for (const check of report.checks.filter((c) => c.verdict === 'fail')) {
      problems.push({ code: check.code ?? 'PREFLIGHT_FAILED', message: check.message });
    }
  }
  const journal = root === '/' ? journalDrops() : null;
  if (journal !== null && journal.lines > 0)
    problems.push({
      code: 'AUDIT_RECORDS_DROPPED',
      message:
        `auditd or audisp-remote dropped records this boot (${journal.lines} journal line(s), last: ${journal.last}): ` +
        'a burst outgrew their queues; lower the burst or set daemon.max_rate (integrator guide, Capacity)',
    });
  return {
    kernel,
    auditd: {
      pid: found.auditd ?? null,
      audisp_remote_pid: found.audispRemote ?? null,
      collector_connected: connected,
    },
    dropping_rules: rules ?? null,
    drift,
    leaks,
    preflight: report,
    journal,
    problems,
  };
}
