/**
 * "Is this device healthy?", asked in one place: the daemon's own status over its socket, and — given our
 * configuration — the system's (system-status.ts: kernel audit, auditd and audisp-remote, drift, leaks,
 * Kerberos). Every problem is named by a stable code; none means healthy.
 *
 * @relation(AR-REQ-010)
 */
import { connect } from '../client.js';
import type { Config } from '../config/schema.js';
import type { DaemonStatus } from '../daemon/status-reply.js';
import { REPAIR_AFTER_MS } from '../forwarding/repair-request.js';
import type { Problem, SystemStatus } from './system-status.js';

/** The daemon's status, or why it gave none. */
export type DaemonView = DaemonStatus | { readonly reachable: false; readonly error: string };

export interface Health {
  readonly ok: boolean;
  readonly daemon: DaemonView;
  /** null without a configuration (nothing to compare the system with). */
  readonly system: SystemStatus | null;
  readonly problems: readonly Problem[];
}

async function daemonStatus(socket: string): Promise<DaemonView> {
  try {
    const client = await connect(socket);
    const status = await client.status();
    await client.close();
    return status;
  } catch (error) {
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The problems only the daemon's view shows. */
function daemonProblems(daemon: DaemonView, socket: string): Problem[] {
  if ('reachable' in daemon)
    return [{ code: 'DAEMON_UNREACHABLE', message: `the daemon does not answer on ${socket}` }];
  const problems: Problem[] = [];
  const relay = daemon.relay;
  if (relay !== null && relay.phase !== 'open') {
    const waiting = relay.waiting_for === null ? '' : `; waiting for the ${relay.waiting_for}`;
    const why = relay.last_problem === null ? '' : ` (${relay.last_problem})`;
    problems.push({
      code: 'COLLECTOR_NOT_CONNECTED',
      message: `the relay carries no records to ${relay.collector}: ${relay.phase ?? 'audisp-remote never connected'}${waiting}${why}`,
    });
  }
  const missing = daemon.forwarding?.audispRemoteMissingSince;
  if (missing !== null && missing !== undefined && Date.now() - Date.parse(missing) >= REPAIR_AFTER_MS)
    problems.push({
      code: 'AUDISP_REMOTE_STOPPED',
      message: `auditd has run without audisp-remote since ${missing} and does not start it (max_restarts used up?): auditrelay-repair restarts auditd`,
    });
  if (daemon.tap !== null && !daemon.tap.running)
    problems.push({
      code: 'TAP_UNAVAILABLE',
      message: `records of other programs and the kernel are neither retained nor counted: ${daemon.tap.error ?? 'the tap is not running'}`,
    });
  const r = daemon.recovery;
  if (r !== null && r.lost + r.lost_foreign > 0)
    problems.push({
      code: 'RECORDS_LOST',
      message: `${r.lost} record(s) of ours and ${r.lost_foreign} of other programs left retention before forwarding could carry them again (an outage longer than retention_window, or retention too small): verify on the collector names them`,
    });
  return problems;
}

/** Records lost since the daemon started: a counter below the baseline was reset (auditctl --reset-lost). */
export function lostSince(baseline: number, now: number): number {
  return now >= baseline ? now - baseline : now;
}

/**
 * The kernel's `lost` counts since boot: only what it lost since the daemon started is a problem of this
 * run (the daemon reports the counter at its start). Without that baseline, everything since boot counts.
 */
function kernelLostProblems(system: SystemStatus | null, daemon: DaemonView): Problem[] {
  const kernel = system?.kernel;
  if (kernel === undefined || 'error' in kernel || kernel.lost === 0) return [];
  const baseline = 'reachable' in daemon ? null : daemon.kernel.lost_at_start;
  const lost = baseline === null ? kernel.lost : lostSince(baseline, kernel.lost);
  if (lost === 0) return [];
  const since =
    baseline === null
      ? 'since boot (when the daemon started is not known)'
      : `since the daemon started (${kernel.lost} since boot)`;
  return [{ code: 'KERNEL_LOST', message: `the kernel lost ${lost} record(s) ${since}: backlog overflow` }];
}

/** The health of the daemon on `socket` and, with `config`, of the system under `root`. */
export async function health(config: Config | undefined, socket: string, root: string): Promise<Health> {
  const daemon = await daemonStatus(socket);
  // The system part loads libaudit and the Kerberos probe: only when there is a config to check against.
  const system =
    config === undefined ? null : await (await import('./system-status.js')).systemStatus(config, root);
  const problems = [
    ...(system?.problems ?? []),
    ...kernelLostProblems(system, daemon),
    ...daemonProblems(daemon, socket),
  ];
  return { ok: problems.length === 0, daemon, system, problems };
}
