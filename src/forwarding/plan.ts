/**
 * What `apply` would do: the three managed files as they are and as they must be, plus what the integrator
 * must know (the installed audit's known defects, plaintext transport, storage leaks apply cannot fix).
 * Computing a plan reads files and writes nothing; `status` uses it to report drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditRelayError } from '../errors/error.js';
import { underRoot } from '../root-path.js';
import { isVerifiedRelease, VERIFIED_RELEASES } from './audit-parsers.js';
import type { AuditInstall } from './installed-audit.js';
import { renderAudispRemote, renderAuditd, renderAuRemotePlugin } from './render.js';
import type { ApplyConfig } from './schema.js';
import { findStorageLeaks, type StorageLeak } from './storage-leaks.js';

export interface PlannedFile {
  /** Path on the device (what the daemons read). */
  readonly devicePath: string;
  /** Path we read and write (devicePath under --root). */
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string;
  readonly mode: number;
  readonly changed: boolean;
}

export interface Plan {
  /** In the order apply replaces them: auditd.conf, audisp-remote.conf, the au-remote plugin. */
  readonly files: readonly PlannedFile[];
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  /** Leaks that remain after apply (apply fixes write_logs and the queue file itself). */
  readonly leaks: readonly StorageLeak[];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function planned(root: string, devicePath: string, after: string): PlannedFile {
  const path = underRoot(root, devicePath);
  const before = read(path);
  return { devicePath, path, before, after, mode: 0o640, changed: before !== after };
}

function checkInstall(config: ApplyConfig, install: AuditInstall): void {
  if (install.version === undefined || !isVerifiedRelease(install.version)) {
    const which =
      install.version === undefined
        ? 'which audit is installed cannot be told (no dpkg record of auditd, no auditctl)'
        : `audit ${install.version} is installed`;
    throw new AuditRelayError(
      'APPLY_AUDIT_VERSION_UNKNOWN',
      `${which}: apply writes only for releases whose config parsers it knows (${VERIFIED_RELEASES.join(', ')}), since another may reject a keyword and stop forwarding`,
    );
  }
  if (!install.audispRemote) {
    throw new AuditRelayError(
      'APPLY_NO_AUDISP_REMOTE',
      '/sbin/audisp-remote is not installed (Debian: apt install audispd-plugins)',
    );
  }
  if (config.forwarding?.transport === 'krb5' && !install.gssapi) {
    throw new AuditRelayError(
      'APPLY_NO_GSSAPI',
      '/sbin/audisp-remote was built without GSSAPI: it cannot use transport KRB5',
    );
  }
}

export function makePlan(config: ApplyConfig, root: string, install: AuditInstall): Plan {
  const f = config.forwarding;
  if (f === undefined)
    throw new AuditRelayError('CONFIG_NO_FORWARDING', 'The config has no [forwarding] section');
  checkInstall(config, install);
  const notes: string[] = [];
  const warnings: string[] = [];
  const auditd = config.auditd;
  if (f.transport === 'krb5' && install.krb5ReconnectCrash)
    notes.push(
      `audit ${install.version} crashes audisp-remote on a failed KRB5 connect (fixed in 4.0.4): it connects to auditrelay's relay on 127.0.0.1:${f.relay_port}, where every connect succeeds and outages are held; should its max_restarts (${auditd.max_restarts}) still run out, auditrelay-repair restarts auditd`,
    );
  if (f.transport === 'tcp')
    warnings.push('PLAINTEXT: transport = tcp sends every audit record unencrypted (lab use only)');
  const dir = auditd.config_dir;
  const auditdPath = join(dir, 'auditd.conf');
  const currentAuditd = read(underRoot(root, auditdPath));
  if (currentAuditd === undefined) {
    throw new AuditRelayError(
      'APPLY_NO_AUDITD_CONF',
      `${join(root, auditdPath)} does not exist (is auditd installed?)`,
    );
  }
  const auditdConf = planned(root, auditdPath, renderAuditd(currentAuditd, auditd));
  const remoteConf = planned(root, join(dir, 'audisp-remote.conf'), renderAudispRemote(f));
  const plugin = planned(root, join(dir, 'plugins.d', 'au-remote.conf'), renderAuRemotePlugin());
  // The order apply renames them in: storage off first, then the plugin's config, the plugin itself last.
  const files = [auditdConf, remoteConf, plugin];
  const leaks = findStorageLeaks(root, auditdConf.after, remoteConf.after);
  return { files, notes, warnings, leaks };
}
