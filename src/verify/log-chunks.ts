/**
 * A collector's log file read in pieces of complete lines, from an offset: what libauparse parses from
 * memory (native/libauparse.ts, AUSOURCE_BUFFER) and what `verify --state` resumes from. Memory is one
 * piece at a time, whatever the file's size. A line longer than a piece (auditd writes at most ~9 KiB)
 * is skipped and counted. An unterminated last line is never read: auditd may be writing it (a line
 * read half-written would lack the collector's krb5= and its end); `verify --state` reads it next time.
 * The same bytes go to libauparse and to the principal lookup, so a file that grows while it is read
 * cannot set them apart.
 *
 * @relation(AR-REQ-025)
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { LinePrincipals } from './line-principals.js';

export const CHUNK_BYTES = 16 * 1024 * 1024;

export interface LogChunk {
  /** Complete lines, each ending in a newline. */
  readonly bytes: Buffer;
  /** The offset in the file just past them. */
  readonly end: number;
}

export interface ChunkOptions {
  readonly from: number;
  /** Read no further than this offset (a second pass reads what the first read, not what came since). */
  readonly to?: number;
  readonly chunkBytes?: number;
}

export interface ChunkStats {
  /** Lines longer than a piece, skipped. */
  oversized: number;
  /** The offset past the last whole line consumed (handed over or skipped): where to read on from. */
  end?: number;
}

/** The complete lines of `path` from `options.from` on, piece by piece. Throws the fs error. */
export function* logChunks(path: string, options: ChunkOptions, stats: ChunkStats): Generator<LogChunk> {
  const size = options.chunkBytes ?? CHUNK_BYTES;
  const fd = openSync(path, 'r');
  try {
    let position = options.from;
    let carry = Buffer.alloc(0);
    /** Inside a line longer than a piece: drop bytes up to its end. */
    let skipping = false;
    stats.end = options.from;
    for (;;) {
      const buffer = Buffer.allocUnsafe(size);
      carry.copy(buffer);
      /** The file offset of buffer[0]. */
      const base = position - carry.length;
      const room = Math.min(
        size - carry.length,
        Math.max(0, (options.to ?? Number.POSITIVE_INFINITY) - position),
      );
      const n = room === 0 ? 0 : readSync(fd, buffer, carry.length, room, position);
      position += n;
      let filled = carry.length + n;
      let start = 0;
      if (skipping) {
        const nl = buffer.subarray(0, filled).indexOf(10);
        if (nl < 0) {
          carry = Buffer.alloc(0);
          if (n === 0) return;
          continue;
        }
        skipping = false;
        start = nl + 1;
        stats.end = base + start;
      }
      const body = buffer.subarray(start, filled);
      const lastNl = body.lastIndexOf(10);
      // End of file (or of what to read): what is left has no newline yet.
      if (n === 0) return;
      if (lastNl < 0) {
        if (body.length < size) {
          carry = Buffer.from(body);
          continue;
        }
        stats.oversized++;
        skipping = true;
        carry = Buffer.alloc(0);
        continue;
      }
      filled = start + lastNl + 1;
      carry = Buffer.from(buffer.subarray(filled, carry.length + n));
      stats.end = base + filled;
      yield { bytes: buffer.subarray(start, filled), end: base + filled };
    }
  } finally {
    closeSync(fd);
  }
}

/** A file to read, from an offset (0: all of it), up to an offset (default: its end). */
export interface FileToRead {
  readonly path: string;
  readonly from: number;
  readonly to?: number;
}

/**
 * Calls `visit` for each piece of each file, in order, with the file's index and the principal of each
 * line of the piece (line-principals.ts); returns where each file's reading ended.
 */
export function forEachPiece(
  files: readonly FileToRead[],
  stats: ChunkStats,
  visit: (index: number, piece: LogChunk, principals: LinePrincipals) => void,
): number[] {
  return files.map((file, index) => {
    const own: ChunkStats = { oversized: 0 };
    const options = file.to === undefined ? { from: file.from } : { from: file.from, to: file.to };
    for (const piece of logChunks(file.path, options, own))
      visit(index, piece, LinePrincipals.of(piece.bytes));
    stats.oversized += own.oversized;
    return own.end ?? file.from;
  });
}
