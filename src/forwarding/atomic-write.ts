/**
 * Crash-safe replacement of several files: every new content is first written to a temp file beside its
 * target (same filesystem), fsync'd and given its owner and mode; only when all are ready are they renamed
 * over their targets and the directories fsync'd. Any failure before the renames removes the temp files and
 * leaves every target as it was.
 *
 * @relation(AR-REQ-013)
 */
import { chownSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AuditRelayError } from '../errors.js';

export interface FileWrite {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

function writeTemp(target: FileWrite): string {
  mkdirSync(dirname(target.path), { recursive: true, mode: 0o750 });
  const temp = join(dirname(target.path), `.${basename(target.path)}.auditrelay-${process.pid}`);
  const fd = openSync(temp, 'w', target.mode);
  try {
    writeSync(fd, target.content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chownSync(temp, 0, 0);
  return temp;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces all `writes` or none; throws APPLY_WRITE_FAILED naming the file that failed. */
export function writeAllAtomically(writes: readonly FileWrite[]): void {
  const temps: string[] = [];
  try {
    for (const write of writes) temps.push(writeTemp(write));
  } catch (error) {
    for (const temp of temps) rmSync(temp, { force: true });
    const failed = writes[temps.length]?.path ?? '?';
    throw new AuditRelayError(
      'APPLY_WRITE_FAILED',
      `Cannot write "${failed}": ${String(error)}; nothing was changed`,
      {
        cause: error,
      },
    );
  }
  writes.forEach((write, i) => {
    renameSync(temps[i] ?? '', write.path);
  });
  for (const dir of new Set(writes.map((w) => dirname(w.path)))) fsyncDir(dir);
}
