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
import { isKnownCode, type KnownCode } from '../errors/codes.js';
import { AuditRelayError } from '../errors/error.js';
import { droppingRules } from '../forwarding/dropping-rules.js';
import { detectAudit } from '../forwarding/installed-audit.js';
import { type JournalDrops, journalDrops } from '../forwarding/journal-drops.js';
import { makePlan, type Plan } from '../forwarding/plan.js';
import { connectedToPort, forwardingProcesses, listProcesses } from '../forwarding/processes.js';
import type { ApplyConfig, ForwardingConfig } from '../forwarding/schema.js';
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
    /** One of audisp-remote's own sockets is connected to the relay (null: cannot be told, not root). */
    readonly relay_connected: boolean | null;
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

/** What the kernel's own status says is wrong. */
function kernelProblems(kernel: SystemStatus['kernel']): Problem[] {
  if ('error' in kernel) return [{ code: 'KERNEL_STATUS_UNREADABLE', message: kernel.error }];
  const problems: Problem[] = [];
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
  // Whether `lost` counts a loss of this daemon's time is health.ts's to say (it knows the baseline).
  return problems;
}

function rulesProblems(rules: readonly string[] | undefined): Problem[] {
  if (rules === undefined || rules.length === 0) return [];
  return [
    {
      code: 'AUDIT_RULES_DROP_USER_RECORDS',
      message: `audit rules drop user records after the kernel acknowledged them (auditrelay answers ok; they are never forwarded): ${rules.join('; ')}`,
    },
  ];
}

/**
 * auditd and its audisp-remote as /proc shows them (root-owned, their programs, parent and child), and
 * whether audisp-remote's own socket is connected to the relay. Whether the relay reaches the collector
 * is the daemon's to say (health.ts).
 */
function forwardingPath(kernel: SystemStatus['kernel'], relayPort: number | undefined) {
  const kernelPid = 'error' in kernel || kernel.pid === 0 ? undefined : kernel.pid;
  const found = forwardingProcesses(listProcesses(), kernelPid);
  const connected =
    relayPort === undefined || found.audispRemote === undefined
      ? false
      : connectedToPort(found.audispRemote, relayPort);
  const problems: Problem[] = [];
  if (relayPort !== undefined && found.auditd !== undefined && found.audispRemote === undefined)
    problems.push({
      code: 'AUDISP_REMOTE_NOT_RUNNING',
      message: 'auditd runs without audisp-remote: nothing is forwarded',
    });
  else if (relayPort !== undefined && found.audispRemote !== undefined && connected === false)
    problems.push({
      code: 'RELAY_NOT_CONNECTED',
      message: `audisp-remote has no connection to auditrelay's relay (127.0.0.1:${relayPort}): run auditrelay apply, or start auditrelay`,
    });
  const auditd = {
    pid: found.auditd ?? null,
    audisp_remote_pid: found.audispRemote ?? null,
    relay_connected: connected ?? null,
  };
  return { auditd, problems };
}

/** The managed files against what apply writes, an interrupted apply, storage leaks, the Kerberos preflight. */
async function managedProblems(config: ApplyConfig, forwarding: ForwardingConfig, root: string) {
  let plan: Plan;
  try {
    plan = makePlan(config, root, detectAudit(root));
  } catch (error) {
    // What apply would refuse (an audit it does not know, no audisp-remote, …) is itself the problem.
    if (!(error instanceof AuditRelayError) || !isKnownCode(error.code)) throw error;
    const report = await preflight(forwarding, { root });
    return {
      drift: [],
      leaks: [],
      preflight: report,
      problems: [{ code: error.code, message: error.message }],
    };
  }
  const drift = plan.files.filter((file) => file.changed).map((file) => file.devicePath);
  const problems: Problem[] = drift.map((path) => ({
    code: 'CONFIG_DRIFT',
    message: `${path} differs from what apply writes: run auditrelay apply`,
  }));
  const pendingApply = join(root, journalPath(config.auditd.config_dir));
  if (existsSync(pendingApply))
    problems.push({
      code: 'APPLY_INTERRUPTED',
      message: `an apply was interrupted before auditd was restarted (${pendingApply}): run auditrelay apply`,
    });
  for (const leak of plan.leaks) problems.push({ code: leak.code, message: leak.message });
  const report = await preflight(forwarding, { root });
  for (const check of report.checks.filter((c) => c.verdict === 'fail'))
    problems.push({ code: check.code ?? 'PREFLIGHT_FAILED', message: check.message });
  return { drift, leaks: plan.leaks, preflight: report, problems };
}

function droppedProblems(journal: JournalDrops | null): Problem[] {
  if (journal === null || journal.lines === 0) return [];
  return [
    {
      code: 'AUDIT_RECORDS_DROPPED',
      message:
        `auditd or audisp-remote dropped records this boot (${journal.lines} journal line(s), last: ${journal.last}): ` +
        'a burst outgrew their queues; lower the burst or set daemon.max_rate (integrator guide, Capacity)',
    },
  ];
}

/** The system's side of "is this device healthy" under `root`; every problem named by its code. */
export async function systemStatus(config: ApplyConfig, root: string): Promise<SystemStatus> {
  const kernel = readKernel();
  const rules = droppingRules();
  const f = config.forwarding;
  const path = forwardingPath(kernel, f?.relay_port);
  const managed = f === undefined ? undefined : await managedProblems(config, f, root);
  const journal = root === '/' ? journalDrops() : null;
  return {
    kernel,
    auditd: path.auditd,
    dropping_rules: rules ?? null,
    drift: managed?.drift ?? [],
    leaks: managed?.leaks ?? [],
    preflight: managed?.preflight ?? null,
    journal,
    problems: [
      ...kernelProblems(kernel),
      ...rulesProblems(rules),
      ...path.problems,
      ...(managed?.problems ?? []),
      ...droppedProblems(journal),
    ],
  };
}
