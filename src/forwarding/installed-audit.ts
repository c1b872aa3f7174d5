/**
 * What audit is installed under a root: its version (the dpkg database, else `auditctl -v` on the running
 * system), whether /sbin/audisp-remote was built with GSSAPI
 * (it then needs libgssapi_krb5: the name stands in its ELF dynamic string table), and whether it carries
 * the KRB5 reconnect crash fixed upstream in 4.0.4 (platform-facts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KRB5_CRASH_FIXED_IN } from './audit-parsers.js';

export interface AuditInstall {
  /** e.g. "3.0.9"; undefined when auditctl is missing. */
  readonly version: string | undefined;
  readonly audispRemote: boolean;
  readonly gssapi: boolean;
  /** True when audisp-remote segfaults on a failed KRB5 (re)connect (versions before 4.0.4). */
  readonly krb5ReconnectCrash: boolean;
}

export const AUDISP_REMOTE = '/sbin/audisp-remote';

function olderThan(version: string, fixed: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < fixed.length; i++) {
    const have = parts[i] ?? 0;
    const want = fixed[i] ?? 0;
    if (have !== want) return have < want;
  }
  return false;
}

/** Parses `auditctl -v` output ("auditctl version 3.0.9"). */
export function parseAuditctlVersion(text: string): string | undefined {
  return /version\s+([0-9]+(?:\.[0-9]+)*)/.exec(text)?.[1];
}

/** The upstream version of the `auditd` package in a dpkg status file ("1:3.0.9-1" → "3.0.9"). */
export function dpkgAuditdVersion(status: string): string | undefined {
  const stanza = status
    .split('\n\n')
    .find((s) => /^Package: auditd$/m.test(s) && /^Status: .* installed$/m.test(s));
  return stanza === undefined ? undefined : /^Version: (?:\d+:)?([0-9.]+)/m.exec(stanza)?.[1];
}

function installedVersion(root: string): string | undefined {
  try {
    return dpkgAuditdVersion(readFileSync(`${root}/var/lib/dpkg/status`, 'utf8'));
  } catch {
    if (root !== '') return undefined;
  }
  try {
    return parseAuditctlVersion(
      execFileSync('auditctl', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
  } catch {
    return undefined;
  }
}

export function detectAudit(rootDir = '/'): AuditInstall {
  const root = rootDir.replace(/\/$/, '');
  const version = installedVersion(root);
  let binary: Buffer | undefined;
  try {
    binary = readFileSync(`${root}${AUDISP_REMOTE}`);
  } catch {
    binary = undefined;
  }
  return {
    version,
    audispRemote: binary !== undefined,
    gssapi: binary?.includes('libgssapi_krb5.so') ?? false,
    krb5ReconnectCrash: version !== undefined && olderThan(version, KRB5_CRASH_FIXED_IN),
  };
}
