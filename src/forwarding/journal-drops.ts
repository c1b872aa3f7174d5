/**
 * The only trace of records auditd or audisp-remote dropped: a syslog line ("queue to plugins is full -
 * dropping event", "queue is full - dropping event"). The applications were told `ok` and the kernel's
 * `lost` stays 0 (platform-facts). On a systemd device those lines are in the journal; this reads this
 * boot's for them so `status` can name the loss. auditd stops reporting after a while ("reporting limit
 * reached"), so the count is a lower bound.
 *
 * Only lines journald itself attributes to root processes named auditd or audisp-remote count (`_UID=0`
 * and `_COMM`, which journald takes from the kernel, ANDed; the two names ORed): the syslog identifier is
 * whatever the writer chose, and `logger -t auditd` from any user would otherwise mark a device unhealthy.
 *
 * @relation(AR-REQ-015)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface JournalDrops {
  /** Drop lines in this boot's journal (at least this many drops). */
  readonly lines: number;
  readonly last: string | null;
}

/** Runs journalctl with `args`; returns its stdout and exit code. */
export type JournalRunner = (args: readonly string[]) => { stdout: string; code: number };

const ARGS = [
  '--boot',
  '--no-pager',
  '--quiet',
  '--output=short-iso',
  '--grep=queue (to plugins )?is full',
  '_UID=0',
  '_COMM=auditd',
  '_COMM=audisp-remote',
];

const journalctl: JournalRunner = (args) => {
  try {
    return { stdout: execFileSync('journalctl', [...args], { encoding: 'utf8', timeout: 5000 }), code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; status?: number | null };
    return { stdout: failed.stdout ?? '', code: failed.status ?? 1 };
  }
};

/** null where there is no journald to ask (no /run/systemd/journal) or journalctl fails. */
export function journalDrops(
  run: JournalRunner = journalctl,
  hasJournal: () => boolean = () => existsSync('/run/systemd/journal'),
): JournalDrops | null {
  if (!hasJournal()) return null;
  const { stdout, code } = run(ARGS);
  // journalctl --grep exits 1 when nothing matched.
  if (code !== 0 && code !== 1) return null;
  const lines = stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('--'));
  return { lines: lines.length, last: lines.at(-1) ?? null };
}
