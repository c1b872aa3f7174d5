/**
 * Reads records back the way an auditor does: `ausearch -if LOG -i` (interpreted) and the raw line, both
 * found by a nonce field, so a test sees the exact type, result and values the collector would show.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeValue } from '../../src/audit/encoding.js';
import { run, waitFor } from './exec.js';

/** A value no other record carries: tests tag an event with it and find that record again. */
export function nonce(): string {
  return `N${randomUUID().replaceAll('-', '')}`;
}

export interface FoundRecord {
  /** Type name from the interpreted record, e.g. USER_LOGIN. */
  readonly type: string;
  /** `name → raw text` from the log (quoted or hex as written), kernel fields included. */
  readonly raw: ReadonlyMap<string, string>;
  /** `name → value` as `ausearch -i` prints it. */
  readonly interpreted: ReadonlyMap<string, string>;
  readonly rawLine: string;
  readonly interpretedLine: string;
}

/** Splits `a=1 b="x" acct=alice smith` into pairs; a word without `=` continues the previous value. */
export function splitFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const word of text.split(' ')) {
    const eq = word.indexOf('=');
    if (eq > 0) {
      last = word.slice(0, eq);
      if (!fields.has(last)) fields.set(last, word.slice(eq + 1));
    } else if (last !== undefined) {
      fields.set(last, `${fields.get(last)} ${word}`);
    }
  }
  return fields;
}

/** The whole record as one field list: the kernel's part (pid, uid, auid, ses) then the user message. */
function recordText(line: string): string {
  const start = line.indexOf("msg='");
  const end = line.lastIndexOf("'");
  if (start < 0 || end <= start) return line;
  return `${line.slice(0, start)}${line.slice(start + 5, end)}`;
}

function lineWith(text: string, needle: string): string | undefined {
  return text.split('\n').find((line) => line.includes(needle));
}

/** Finds the record whose `nonce` field is `nonce` (written as nonce="…"), waiting up to `timeoutMs`. */
export async function findByNonce(log: string, nonce: string, timeoutMs = 10_000): Promise<FoundRecord> {
  const rawNeedle = `nonce="${nonce}"`;
  const rawLine = await waitFor(
    () => {
      try {
        return lineWith(readFileSync(log, 'latin1'), rawNeedle);
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    `record with nonce ${nonce} in ${log}`,
  );
  const { stdout } = await run('ausearch', ['-if', log, '-i']);
  // auparse prints a quoted value with or without its quotes depending on the record type.
  const interpretedLine = lineWith(stdout, `nonce=${nonce} `) ?? lineWith(stdout, `nonce="${nonce}"`);
  if (interpretedLine === undefined) throw new Error(`ausearch -i does not show nonce ${nonce}`);
  const type = /type=([A-Z_0-9[\]]+)/.exec(interpretedLine)?.[1] ?? '?';
  return {
    type,
    raw: splitFields(recordText(rawLine)),
    interpreted: splitFields(recordText(interpretedLine)),
    rawLine,
    interpretedLine,
  };
}

/** The exact bytes of an app field, decoded from the raw record as auparse decodes it. */
export function fieldBytes(record: FoundRecord, name: string): Buffer | undefined {
  const raw = record.raw.get(name);
  const bytes = raw === undefined ? undefined : decodeValue(raw);
  return bytes === undefined ? undefined : Buffer.from(bytes);
}
