/**
 * Several files replaced as one change that no crash can leave half done, as a small redo journal:
 *
 *  1. every new content goes to a temp file of its own (atomic-write.ts). A failure here removes the temps:
 *     nothing changed.
 *  2. the journal — which temp becomes which target — is written the same way and renamed into place.
 *     This rename is the commit point: before it the old set stands, after it the new one will.
 *  3. the temps are renamed over their targets in the order given, then the directories are fsync'd.
 *  4. the journal stays until the caller has made the change take effect (apply: the auditd restart), then
 *     `clearJournal()` removes it.
 *
 * After a crash, `resumeJournal()` (apply runs it before anything else) reads a journal left behind,
 * renames the temps still there — renaming is idempotent: a temp already renamed is simply gone — and
 * reports the change as still pending, so its restart is not skipped because the files now look current.
 * A crash before the commit leaves only stale temps, which the next change removes.
 *
 * @relation(AR-REQ-013)
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { AuditRelayError } from '../errors/error.js';
import { type FileWrite, fsyncDir, TEMP_NAME, type WriteOptions, writeTemp } from './atomic-write.js';

interface Rename {
  /** Both relative to the journal's directory, so a journal means the same under any --root. */
  readonly temp: string;
  readonly target: string;
}

/** The journal of the managed audit configuration: in auditd's config dir, hidden like our temps. */
export function journalPath(configDir: string): string {
  return join(configDir, '.auditrelay-apply.journal');
}

function writeFailed(what: string, error: unknown, outcome: string): AuditRelayError {
  return new AuditRelayError('APPLY_WRITE_FAILED', `Cannot write "${what}": ${String(error)}; ${outcome}`, {
    cause: error,
  });
}

function invalid(journal: string, why: string): AuditRelayError {
  return new AuditRelayError(
    'APPLY_JOURNAL_INVALID',
    `The apply journal "${journal}" ${why}; inspect it, then remove it and apply again`,
  );
}

/** Reads and checks a journal: only our temp names, each beside its target, nothing outside the directory. */
function readJournal(journal: string): readonly Rename[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(journal, 'utf8'));
  } catch (error) {
    throw invalid(journal, `cannot be read (${String(error)})`);
  }
  const renames = (data as { renames?: unknown }).renames;
  if (!Array.isArray(renames)) throw invalid(journal, 'lists no renames');
  return renames.map((entry: unknown) => {
    const { temp, target } = (entry ?? {}) as { temp?: unknown; target?: unknown };
    const safe = (p: unknown): p is string =>
      typeof p === 'string' && !isAbsolute(p) && normalize(p) === p && !p.startsWith('..');
    if (!safe(temp) || !safe(target) || dirname(temp) !== dirname(target)) {
      throw invalid(journal, 'names a path outside its directory');
    }
    if (TEMP_NAME.exec(basename(temp))?.[1] !== basename(target)) {
      throw invalid(journal, `names "${temp}", which is not a temp file of "${target}"`);
    }
    return { temp, target };
  });
}

/** Renames what is listed and still there, then makes the renames durable. */
function renameAll(base: string, renames: readonly Rename[], options: WriteOptions): void {
  const before = options.before ?? (() => {});
  for (const { temp, target } of renames) {
    const from = join(base, temp);
    before('rename', join(base, target));
    if (existsSync(from)) renameSync(from, join(base, target));
  }
  for (const dir of new Set(renames.map((r) => dirname(join(base, r.target))))) {
    before('sync-dir', dir);
    fsyncDir(dir);
  }
}

/** Removes temps of ours that no journal names: what a crash before a commit left behind. */
function removeStaleTemps(dirs: Iterable<string>): void {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (TEMP_NAME.test(name)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Finishes a change a crash interrupted after its commit. Returns the targets of that change (it is still
 * pending: the caller must make it take effect, then clear the journal), or undefined when none was.
 */
export function resumeJournal(journal: string, options: WriteOptions = {}): readonly string[] | undefined {
  if (!existsSync(journal)) return undefined;
  const base = dirname(journal);
  const renames = readJournal(journal);
  try {
    renameAll(base, renames, options);
  } catch (error) {
    throw writeFailed(journal, error, 'the change stays journalled; apply again to finish it');
  }
  return renames.map((r) => join(base, r.target));
}

/**
 * Replaces every file of `writes` (in that order) or none, journalled in `journal` (see the header). Leaves
 * the journal for clearJournal(). Throws APPLY_WRITE_FAILED naming the file that failed and saying whether
 * anything changed.
 */
export function commitAll(journal: string, writes: readonly FileWrite[], options: WriteOptions = {}): void {
  const base = dirname(journal);
  if (existsSync(journal)) throw invalid(journal, 'is still pending (resume it first)');
  removeStaleTemps(new Set([base, ...writes.map((w) => dirname(w.path))]));
  let renames: Rename[] = [];
  const temps: string[] = [];
  let current = journal;
  try {
    for (const write of writes) {
      current = write.path;
      temps.push(writeTemp(write, options));
    }
    current = journal;
    renames = writes.map((w, i) => ({
      temp: relative(base, temps[i] ?? ''),
      target: relative(base, w.path),
    }));
    const record = writeTemp(
      { path: journal, content: `${JSON.stringify({ version: 1, renames })}\n`, mode: 0o600 },
      options,
    );
    temps.push(record);
    (options.before ?? (() => {}))('commit', journal);
    renameSync(record, journal);
    // A journal whose temps are then removed below would announce a change that never happens.
    temps.push(journal);
    fsyncDir(base);
  } catch (error) {
    for (const temp of temps) rmSync(temp, { force: true });
    throw writeFailed(current, error, 'nothing was changed');
  }
  try {
    renameAll(base, renames, options);
  } catch (error) {
    throw writeFailed(current, error, `the change is journalled in "${journal}"; apply again to finish it`);
  }
}

/** The change took effect: forget it. */
export function clearJournal(journal: string, options: WriteOptions = {}): void {
  if (!existsSync(journal)) return;
  (options.before ?? (() => {}))('clear', journal);
  rmSync(journal);
  fsyncDir(dirname(journal));
}
