import { z } from 'zod';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `"60s"`, `"500ms"`, `"5m"`, `"1h"` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (match === null) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * (UNITS[unit ?? ''] ?? Number.NaN);
}

/** A duration key of our config: a string such as "60s" within [min, max] ms, read as milliseconds. */
export function duration(minMs: number, maxMs: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as "500ms", "60s", "5m"` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `"${text}" must be between ${minMs} ms and ${maxMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}
