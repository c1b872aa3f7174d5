/**
 * `verify --state FILE`: where the last run stopped, so a timer reads only what is new. Per log file its
 * identity (device and inode, and a hash of its first bytes: an inode can be reused) and the offset past
 * the last whole line read; a rotated file is found again by its inode. With it the ledgers: our runs
 * (ranges), the foreign ledger's open tallies and kept records, the wrappers waiting for parts
 * (foreign-ledger.ts says what is carried and why it stays small).
 *
 * The file is ours: written atomically (temporary file, rename) with mode 0600, and refused when another
 * user owns it or others can write it (VERIFY_STATE_UNSAFE) or it does not parse as ours
 * (VERIFY_STATE_INVALID) — verify then reads nothing rather than trust it; remove it to start over.
 *
 * @relation(AR-REQ-027)
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AuditRelayError } from '../errors/error.js';
import type { ForeignState } from './foreign-ledger.js';
import type { LedgerState } from './ledger.js';
import type { UnwrapperState } from './unwrap.js';

export const STATE_VERSION = 1;
/** Bytes of a file's head hashed to know it again. */
const HEAD_BYTES = 4096;

export interface FileMark {
  readonly dev: number;
  readonly ino: number;
  /** The offset past the last whole line read. */
  readonly offset: number;
  /** sha256 of its first min(offset, HEAD_BYTES) bytes. */
  readonly head: string;
}

export interface VerifyState {
  readonly version: number;
  readonly files: readonly FileMark[];
  /** Directories whose logs were read: a rotated log there excuses no run's head any more. */
  readonly dirs: readonly string[];
  readonly ledger: LedgerState;
  readonly foreign: ForeignState;
  readonly unwrapper: UnwrapperState;
  readonly malformed: number;
  readonly oversized: number;
}

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const num = z.number().finite();
const range = z.tuple([count, count]);
const ranges = z.object({ ranges: z.array(range), count });
const tally = z.object({
  device: z.string(),
  run: z.string(),
  seq: count,
  records: count,
  kernel: count,
  user: count,
  overruns: count,
  fromMs: num,
  toMs: num,
  serials: z.array(range),
});
const schema = z.object({
  version: z.literal(STATE_VERSION),
  files: z.array(
    z.object({ dev: count, ino: count, offset: count, head: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
  dirs: z.array(z.string()),
  ledger: z.object({
    runs: z.array(
      z.object({
        device: z.string(),
        principal: z.string().nullable(),
        run: z.string(),
        index: count,
        node: z.string().nullable(),
        nodeDisagrees: count,
        disagreeingNode: z.string().nullable(),
        originals: ranges,
        resends: ranges,
        heartbeats: ranges,
        retries: count,
        records: count,
        resent: count,
        firstSeq: count,
        lastSeq: count,
        firstAt: num,
        lastAt: num,
        firstExcused: z.boolean(),
        stopped: z.boolean(),
        interval: count,
      }),
    ),
    runsOf: z.array(z.tuple([z.string(), count])),
    overflowing: z.array(z.tuple([z.string(), count])),
    recent: z.array(z.tuple([count, count, count])),
  }),
  foreign: z.object({
    open: z.array(tally),
    latest: z.array(z.tuple([z.string(), num])),
    settled: z.array(
      z.tuple([
        z.string(),
        z.object({
          tallies: count,
          expectedKernel: count,
          expectedUser: count,
          foundKernel: count,
          foundUser: count,
          unwrapped: count,
          overruns: count,
          missingSerials: z.array(count),
          recentSeqs: z.array(z.tuple([count, num])),
        }),
      ]),
    ),
    seen: z.array(
      z.tuple([
        z.string(),
        z.array(z.tuple([count, num, count, count, count, z.array(z.tuple([num, z.boolean()]))])),
      ]),
    ),
  }),
  unwrapper: z.object({
    open: z.array(z.tuple([z.string(), z.array(z.string().nullable())])),
    malformed: count,
    incompleteDropped: count,
  }),
  malformed: count,
  oversized: count,
});

/** The state in `path`; undefined when there is none yet. Throws VERIFY_STATE_UNSAFE / _INVALID. */
export function loadState(path: string): VerifyState | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o022) !== 0)
      throw new AuditRelayError(
        'VERIFY_STATE_UNSAFE',
        `${path} is not a regular file of ours that only we can write: verify does not trust it`,
      );
    const buffer = Buffer.alloc(st.size);
    readSync(fd, buffer, 0, st.size, 0);
    text = buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = schema.safeParse(parsed);
  if (!result.success)
    throw new AuditRelayError(
      'VERIFY_STATE_INVALID',
      `${path} is not a verify state this version writes (remove it to read every log again)`,
    );
  return result.data as VerifyState;
}

/** Writes `state` to `path` atomically, mode 0600. */
export function saveState(path: string, state: VerifyState): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, JSON.stringify(state), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new AuditRelayError(
      'VERIFY_STATE_UNWRITABLE',
      `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function headHash(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(bytes, HEAD_BYTES));
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return createHash('sha256').update(buffer.subarray(0, n)).digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** Where to read each file from, and which files' runs may have begun in a log rotated away. */
export interface ReadPlan {
  readonly from: number[];
  readonly rotatedHeads: Set<number>;
}

/**
 * For `files` (oldest first per collector) and the last state: each file known by its inode and head is
 * read on from its offset, any other from its start; `rotatedHeads` (collector-logs.ts) counts only for
 * a directory the state has never read.
 */
export function planRead(
  files: readonly string[],
  heads: ReadonlySet<number>,
  state?: VerifyState,
): ReadPlan {
  const from = files.map((file) => {
    const st = statSync(file);
    const mark = state?.files.find((m) => m.dev === st.dev && m.ino === st.ino);
    if (mark === undefined || st.size < mark.offset || headHash(file, mark.offset) !== mark.head) return 0;
    return mark.offset;
  });
  const known = new Set(state?.dirs ?? []);
  const rotatedHeads = new Set([...heads].filter((i) => !known.has(dirname(files[i] ?? ''))));
  return { from, rotatedHeads };
}

/** The marks for `files` read up to `ends`. */
export function markFiles(files: readonly string[], ends: readonly number[]): FileMark[] {
  return files.map((file, i) => {
    const st = statSync(file);
    const offset = ends[i] ?? 0;
    return { dev: st.dev, ino: st.ino, offset, head: headHash(file, offset) };
  });
}
