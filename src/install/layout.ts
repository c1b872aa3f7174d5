/**
 * Where an installed auditrelay lives on a device, relative to the root: the program (built code and its
 * runtime dependencies), the command, the systemd units, sysusers/tmpfiles snippets and the example
 * config. One table, used by install and uninstall alike.
 */
export const PROGRAM_DIR = 'usr/lib/auditrelay';
export const CONFIG_FILE = 'etc/auditrelay/auditrelay.toml';
export const MANIFEST = `${PROGRAM_DIR}/installed-files`;

export interface LaidFile {
  /** Source, relative to the repository (the built package). */
  readonly from: string;
  /** Target, relative to the root. */
  readonly to: string;
  readonly mode: number;
}

export const FILES: readonly LaidFile[] = [
  { from: 'systemd/auditrelay.service', to: 'usr/lib/systemd/system/auditrelay.service', mode: 0o644 },
  { from: 'systemd/auditrelay.socket', to: 'usr/lib/systemd/system/auditrelay.socket', mode: 0o644 },
  {
    from: 'systemd/auditrelay-relay.socket',
    to: 'usr/lib/systemd/system/auditrelay-relay.socket',
    mode: 0o644,
  },
  {
    from: 'systemd/auditrelay-apply.service',
    to: 'usr/lib/systemd/system/auditrelay-apply.service',
    mode: 0o644,
  },
  {
    from: 'systemd/auditrelay-repair.path',
    to: 'usr/lib/systemd/system/auditrelay-repair.path',
    mode: 0o644,
  },
  {
    from: 'systemd/auditrelay-repair.service',
    to: 'usr/lib/systemd/system/auditrelay-repair.service',
    mode: 0o644,
  },
  { from: 'systemd/auditrelay.sysusers', to: 'usr/lib/sysusers.d/auditrelay.conf', mode: 0o644 },
  { from: 'systemd/auditrelay.tmpfiles', to: 'usr/lib/tmpfiles.d/auditrelay.conf', mode: 0o644 },
  { from: 'README.md', to: `${PROGRAM_DIR}/README.md`, mode: 0o644 },
  { from: 'package.json', to: `${PROGRAM_DIR}/package.json`, mode: 0o644 },
  { from: 'package-lock.json', to: `${PROGRAM_DIR}/package-lock.json`, mode: 0o644 },
];

/** Directories copied whole into PROGRAM_DIR (node_modules is pruned to runtime dependencies after). */
export const TREES = ['dist/src', 'dist/native', 'node_modules', 'docs'] as const;

/** The command, a symlink to the CLI. */
export const COMMAND = { link: 'usr/bin/auditrelay', target: `../lib/auditrelay/dist/src/cli.js` } as const;
