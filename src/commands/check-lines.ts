/** Human rendering of preflight checks and plan notes, shared by apply, preflight and status. */
import type { Check } from '../kerberos/preflight.js';

const MARK = { pass: '✔', fail: '✖', skip: '–' } as const;

export function checkLines(checks: readonly Check[]): string[] {
  return checks.flatMap((c) => [
    `  ${MARK[c.verdict]} ${c.id.padEnd(17)} ${c.message}${c.code === undefined ? '' : ` [${c.code}]`}`,
    ...(c.fix === undefined ? [] : [`      fix: ${c.fix}`]),
  ]);
}
