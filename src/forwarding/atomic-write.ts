/**
 * One file's new content made durable beside its target, never in place: a temp file in the target's
 * directory (same filesystem, so the later rename is atomic), created exclusively under an unpredictable
 * name (O_CREAT|O_EXCL|O_NOFOLLOW: a planted file or symlink is never followed or reused), owned and
 * moded as the target must be before a byte is written, written in full (a short write is continued; an
 * error such as ENOSPC fails the whole file), and fsync'd. `write-journal.ts` turns several of these into
 * one all-or-nothing change.
 *
 * @relation(AR-REQ-013)
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  mkdirSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FileWrite {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** The steps of a change, in order; tests stop a process at each to prove what a crash leaves. */
export type WriteStep = 'create' | 'write' | 'sync' | 'commit' | 'rename' | 'sync-dir' | 'clear';

export interface WriteOptions {
  /** Owner of the written files (root for the audit configs; tests pass their own ids). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /** Called before each step with the file it concerns: the seam the crash tests use. */
  readonly before?: (step: WriteStep, path: string) => void;
}

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Our temp names: `.<target>.auditrelay-<16 hex>`; the leading dot keeps auditd's plugin scan off them. */
export const TEMP_NAME = /^\.(.+)\.auditrelay-[0-9a-f]{16}$/;

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.auditrelay-${randomBytes(8).toString('hex')}`);
}

/** write(2) of `length` bytes of `data` from `offset`; returns how many it wrote. */
export type WriteCall = (fd: number, data: Uint8Array, offset: number, length: number) => number;

/** write(2) until every byte is out: writeSync may write less than asked and says how much it did. */
export function writeFully(
  fd: number,
  data: Uint8Array,
  write: WriteCall = (f, d, o, l) => writeSync(f, d, o, l),
): void {
  let offset = 0;
  while (offset < data.length) {
    const n = write(fd, data, offset, data.length - offset);
    if (n <= 0) throw Object.assign(new Error('write(2) wrote nothing'), { code: 'EIO' });
    offset += n;
  }
}

/** Creates, fills and fsyncs the temp file for `target`; returns its path. Removes it on any failure. */
export function writeTemp(target: FileWrite, options: WriteOptions = {}): string {
  const before = options.before ?? (() => {});
  mkdirSync(dirname(target.path), { recursive: true, mode: 0o750 });
  const temp = tempPathFor(target.path);
  before('create', target.path);
  const fd = openSync(temp, EXCLUSIVE, 0o600);
  try {
    const { uid, gid } = options.owner ?? { uid: 0, gid: 0 };
    fchownSync(fd, uid, gid);
    // open(2)'s mode is masked by the umask: set the final mode explicitly, before any content exists.
    fchmodSync(fd, target.mode);
    before('write', target.path);
    writeFully(fd, Buffer.from(target.content, 'utf8'));
    before('sync', target.path);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** fsync(2) on a directory: makes the renames and unlinks in it durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
