/**
 * Kernel audit rules that drop user records after the kernel acknowledged them. libaudit's call returns
 * success either way, so auditrelay answers `ok` for a record no one will ever see: the kernel's
 * audit_filter() drops a record on the `exclude` list whenever a rule matches, whatever its action, and a
 * user record on the `user` list when the first matching rule says `never` (kernel/auditfilter.c). Which
 * records a rule matches depends on its fields; this names every such rule rather than guess.
 *
 * @relation(AR-REQ-010)
 */
import { execFileSync } from 'node:child_process';

/** Runs `auditctl -l`; returns its stdout, or undefined when it cannot (not root, not installed). */
export type RuleLister = () => string | undefined;

const auditctl: RuleLister = () => {
  try {
    return execFileSync('auditctl', ['-l'], { encoding: 'utf8', timeout: 5000, stdio: 'pipe' });
  } catch {
    return undefined;
  }
};

/** The rules (as `auditctl -l` prints them) that can drop user records; undefined when unknown. */
export function droppingRules(list: RuleLister = auditctl): readonly string[] | undefined {
  const text = list();
  if (text === undefined) return undefined;
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      // `-a never,user …` and `-a user,never …` are the same rule; so are the two orders on exclude.
      const pair = /^-a\s+([a-z]+),([a-z]+)\b/.exec(line);
      if (pair === null) return false;
      const words = new Set([pair[1], pair[2]]);
      return words.has('exclude') || (words.has('user') && words.has('never'));
    });
}
