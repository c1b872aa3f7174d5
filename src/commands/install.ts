/**
 * `auditrelay install --root DIR` and `auditrelay uninstall --root DIR [--purge]`: lay out (or remove) the
 * program, the systemd units, sysusers/tmpfiles snippets and the example config, for a device or an image.
 */
import type { CommandModule } from 'yargs';
import { install, uninstall } from '../install/install.js';
import { JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface InstallArgs {
  root: string;
  json: boolean;
  purge?: boolean;
}

const NEXT = [
  'next, on the device:',
  '  systemd-sysusers auditrelay.conf && systemd-tmpfiles --create auditrelay.conf',
  '  edit /etc/auditrelay/auditrelay.toml ([forwarding], [[clients]]), install the keytab (root, 0400)',
  '  systemctl daemon-reload && systemctl enable --now auditrelay-apply.service auditrelay.socket auditrelay-relay.socket auditrelay-repair.path',
];

export const installCommand: CommandModule<object, InstallArgs> = {
  command: 'install',
  describe: 'Install the program, units, sysusers/tmpfiles and the example config under a root',
  builder: (yargs) =>
    yargs
      .option('root', { type: 'string', default: '/', describe: 'Install under this root (image builds)' })
      .option('json', JSON_OPTION),
  handler: (args) => {
    const report = install(args.root);
    const config = report.configKept
      ? 'kept the existing /etc/auditrelay/auditrelay.toml'
      : 'installed the example /etc/auditrelay/auditrelay.toml';
    makeOutput(args.json).result(
      report,
      [`installed under ${args.root}:`, ...report.written.map((p) => `  ${p}`), config, ...NEXT].join('\n'),
    );
  },
};

export const uninstallCommand: CommandModule<object, InstallArgs> = {
  command: 'uninstall',
  describe: 'Remove what install laid out (the config only with --purge)',
  builder: (yargs) =>
    yargs
      .option('root', { type: 'string', default: '/', describe: 'Uninstall under this root' })
      .option('purge', { type: 'boolean', default: false, describe: 'Also remove /etc/auditrelay' })
      .option('json', JSON_OPTION),
  handler: (args) => {
    const report = uninstall(args.root, args.purge ?? false);
    makeOutput(args.json).result(
      report,
      `removed ${report.removed.length} path(s)${report.configRemoved ? ' and /etc/auditrelay' : ''}`,
    );
  },
};
