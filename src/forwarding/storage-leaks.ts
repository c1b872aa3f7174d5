/**
 * Ways audit records could still be stored on the device that apply does not fix by itself: auditd writing
 * its log, audisp-remote's store-and-forward queue file, and journald's audit socket (journald then stores
 * every kernel audit record — and without auditd the kernel's printk copies too).
 */
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ConfFile } from './conf-file.js';

export interface StorageLeak {
  readonly code: 'LEAK_WRITE_LOGS' | 'LEAK_QUEUE_FILE' | 'LEAK_JOURNALD_AUDIT';
  readonly message: string;
  readonly fix: string;
}

function masked(root: string, unit: string): boolean {
  try {
    return readlinkSync(join(root, 'etc/systemd/system', unit)) === '/dev/null';
  } catch {
    return false;
  }
}

/** Leaks visible in the given auditd.conf / audisp-remote.conf texts and under `root`. */
export function findStorageLeaks(
  root: string,
  auditdConf: string | undefined,
  remoteConf: string | undefined,
): StorageLeak[] {
  const leaks: StorageLeak[] = [];
  const writeLogs =
    auditdConf === undefined ? undefined : ConfFile.parse(auditdConf, 'skip160').get('write_logs');
  if (auditdConf !== undefined && writeLogs?.toLowerCase() !== 'no') {
    leaks.push({
      code: 'LEAK_WRITE_LOGS',
      message: `auditd.conf has write_logs = ${writeLogs ?? 'yes (default)'}: every record is also stored on the device`,
      fix: 'run auditrelay apply (it sets write_logs = no)',
    });
  }
  if (
    remoteConf !== undefined &&
    ConfFile.parse(remoteConf, 'split128').get('mode')?.toLowerCase() === 'forward'
  ) {
    leaks.push({
      code: 'LEAK_QUEUE_FILE',
      message: 'audisp-remote.conf has mode = forward: records are queued in a file on the device',
      fix: 'run auditrelay apply (it sets mode = immediate)',
    });
  }
  const unit = 'systemd-journald-audit.socket';
  const installed = ['lib/systemd/system', 'usr/lib/systemd/system'].some((d) =>
    existsSync(join(root, d, unit)),
  );
  if (installed && !masked(root, unit)) {
    leaks.push({
      code: 'LEAK_JOURNALD_AUDIT',
      message: `${unit} is not masked: journald stores every kernel audit record in the journal`,
      fix: `systemctl mask ${unit} && systemctl restart systemd-journald`,
    });
  }
  return leaks;
}
