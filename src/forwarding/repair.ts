/**
 * Forwarding that died for good, brought back: auditd restarts a plugin that exited only until it has
 * done so `max_restarts` times in its life (≤ 4.0.x: never again until auditd restarts), and audisp-remote
 * before 4.0.4 may crash. When auditd runs without audisp-remote, `auditrelay repair` (root, started by
 * auditrelay-repair.path when the daemon asks, or by hand) first gives auditd the chance to restart it —
 * it writes one record, which makes auditd start a missing plugin if it still may — and only when none
 * appears restarts auditd (the configured restart command), at most MAX_PER_HOUR times an hour so a
 * plugin that cannot start at all does not turn into an auditd restart loop.
 *
 * It trusts nothing the daemon says: the request only starts it; the processes are checked here.
 *
 * @relation(AR-REQ-022)
 */
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { forwardingProcesses, listProcesses } from './processes.js';

/** Restarts of auditd within an hour, at most. */
export const MAX_PER_HOUR = 6;
/** How long auditd gets to start audisp-remote after the probe record. */
export const PLUGIN_START_MS = 3000;

export type RepairState = 'healthy' | 'plugin-restarted' | 'auditd-restarted' | 'no-auditd' | 'held-back';

export interface RepairOutcome {
  readonly state: RepairState;
  readonly message: string;
  readonly auditd: number | null;
  readonly audispRemote: number | null;
}

export interface RepairDeps {
  /** The pid of the auditd that owns kernel audit (root may ask the kernel), if any. */
  readonly kernelAuditd: () => number | undefined;
  /** Writes one audit record (libaudit, root). */
  readonly probe: () => void;
  /** Restarts auditd; rejects when it could not. */
  readonly restart: () => Promise<void>;
  /** Where the restart times are kept (a root-only directory under /run). */
  readonly stateDir: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The restart times of the last hour (a root-owned directory of ours; anything else is refused). */
function recentRestarts(dir: string, now: number): number[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o077) !== 0)
    throw new Error(`${dir} is not a directory only root may use`);
  let text = '';
  try {
    text = readFileSync(join(dir, 'restarts'), 'utf8');
  } catch {
    // none yet
  }
  return text
    .split('\n')
    .map(Number)
    .filter((t) => Number.isFinite(t) && t > now - 3_600_000 && t <= now);
}

function noteRestarts(dir: string, times: readonly number[]): void {
  const path = join(dir, 'restarts');
  rmSync(path, { force: true });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, `${times.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

export async function repairForwarding(deps: RepairDeps): Promise<RepairOutcome> {
  const now = deps.now ?? Date.now;
  const find = () => forwardingProcesses(listProcesses(), deps.kernelAuditd());
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const before = find();
  const outcome = (state: RepairState, message: string, p = find()): RepairOutcome => ({
    state,
    message,
    auditd: p.auditd ?? null,
    audispRemote: p.audispRemote ?? null,
  });
  if (before.auditd === undefined)
    return outcome('no-auditd', 'auditd is not running: systemd starts it, not us', before);
  if (before.audispRemote !== undefined) return outcome('healthy', 'auditd runs audisp-remote', before);
  deps.probe();
  for (let waited = 0; waited < PLUGIN_START_MS; waited += 100) {
    await sleep(100);
    const p = find();
    if (p.audispRemote !== undefined)
      return outcome('plugin-restarted', 'auditd started audisp-remote again', p);
  }
  const recent = recentRestarts(deps.stateDir, now());
  if (recent.length >= MAX_PER_HOUR)
    return outcome(
      'held-back',
      `auditd runs without audisp-remote, but it was restarted ${recent.length} times this hour already: see its log (is the plugin broken?)`,
    );
  await deps.restart();
  noteRestarts(deps.stateDir, [...recent, now()]);
  return outcome(
    'auditd-restarted',
    'auditd no longer started audisp-remote (max_restarts used up, or it stopped for good): restarted auditd',
  );
}
