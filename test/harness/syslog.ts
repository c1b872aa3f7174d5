/**
 * Where auditd's and audisp-remote's complaints go: both report only through syslog(3) ("queue to plugins
 * is full - dropping event", "connection to … failed"), and this machine has no syslog daemon and no
 * /dev/log. Inside a private mount namespace an overlay on /dev gets a /dev/log of its own, served by
 * syslog_listener.py, so tests can read and assert on those lines. The real /dev never changes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './exec.js';

export interface SyslogCapture {
  /** Shell steps for withPrivateMounts: mount the overlay, start the listener, wait for its socket. */
  readonly mounts: readonly string[];
  /** Every line received so far. */
  lines(): string[];
}

export function syslogCapture(dir: string): SyslogCapture {
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const out = join(dir, 'syslog.log');
  mkdirSync(upper, { recursive: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(out, '');
  const listener = `${REPO_ROOT}test/harness/syslog_listener.py`;
  return {
    mounts: [
      `mount -t overlay auditrelay-dev -o lowerdir=/dev,upperdir=${upper},workdir=${work} /dev`,
      `{ python3 ${listener} /dev/log ${out} & }`,
      // Bounded: the listener binds within milliseconds; 100 × 50 ms is its limit.
      'n=0; while [ ! -S /dev/log ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n+1)); done; [ -S /dev/log ]',
    ],
    lines: () =>
      readFileSync(out, 'latin1')
        .split('\n')
        .filter((line) => line !== ''),
  };
}
