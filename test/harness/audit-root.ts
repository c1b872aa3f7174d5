/**
 * A temp root laid out like a device for `apply --root`: Debian 12's stock /etc/audit files (fixtures
 * captured from audit 3.0.9; another release's with `release`), and links to that release's audisp-remote
 * binary and dpkg database so that apply sees the installed audit version, as it would inside an image.
 */
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT, type RunResult, run } from './exec.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export const STOCK = `${REPO_ROOT}test/fixtures/debian-12-audit-3.0.9`;

export interface AuditRoot {
  readonly root: string;
  readonly config: string;
  path(devicePath: string): string;
  /** `auditrelay apply --root <this root>` with our config (or `config`), and the given flags. */
  apply(flags?: readonly string[], config?: string): Promise<RunResult>;
  remove(): void;
}

/**
 * A temp root with `release`'s stock files (Debian 12's by default), linked to that release's installed
 * audisp-remote and dpkg database (`deviceRoot`: the host's, or another release's root).
 */
export function makeAuditRoot(
  configToml: string,
  release = 'debian-12-audit-3.0.9',
  deviceRoot = '/',
): AuditRoot {
  const root = makeTempDir('auditrelay-root-');
  cpSync(`${REPO_ROOT}test/fixtures/${release}/etc`, join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'sbin'));
  symlinkSync(join(deviceRoot, 'usr/sbin/audisp-remote'), join(root, 'sbin/audisp-remote'));
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
  symlinkSync(join(deviceRoot, 'var/lib/dpkg/status'), join(root, 'var/lib/dpkg/status'));
  const config = join(root, 'auditrelay.toml');
  writeFileSync(config, configToml);
  return {
    root,
    config,
    path: (devicePath) => join(root, devicePath),
    apply: (flags = [], other = config) =>
      run('node', [CLI, 'apply', '--config', other, '--root', root, ...flags]),
    remove: () => removeTempDir(root),
  };
}
