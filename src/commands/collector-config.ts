/**
 * `auditrelay collector-config --config FILE`: what the customer's collector needs to accept this device —
 * the auditd.conf keys and the kadmin commands for both principals and keytabs.
 */
import { hostname } from 'node:os';
import type { CommandModule } from 'yargs';
import { collectorKit } from '../forwarding/collector-kit.js';
import { readDefaultRealm } from '../kerberos/krb5-conf.js';
import { loadForwardingConfig } from './load-config.js';
import { CONFIG_OPTION, JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface CollectorArgs {
  config: string;
  root: string;
  json: boolean;
}

export const collectorConfigCommand: CommandModule<object, CollectorArgs> = {
  command: 'collector-config',
  describe: "Print the collector's auditd.conf keys and the kadmin commands for the principals",
  builder: (yargs) =>
    yargs
      .option('config', CONFIG_OPTION)
      .option('root', { type: 'string', default: '/', describe: 'Read krb5.conf under this root' })
      .option('json', JSON_OPTION),
  handler: async (args) => {
    const { config, forwarding: f } = await loadForwardingConfig(args.config);
    const realm = readDefaultRealm(`${args.root.replace(/\/$/, '')}${f.krb5_config}`) ?? 'EXAMPLE.REALM';
    const kit = collectorKit(f, realm, hostname(), config.daemon.heartbeat_interval);
    makeOutput(args.json).result(
      { collector_auditd_conf: Object.fromEntries(kit.auditdConf), kadmin: kit.kadmin, notes: kit.notes },
      [
        '# Collector /etc/audit/auditd.conf (set these keys, then restart auditd):',
        ...kit.auditdConf.map(([k, v]) => `${k} = ${v}`),
        '',
        '# Principals and keytabs (on the KDC):',
        ...kit.kadmin,
        '',
        ...kit.notes.map((n) => `# ${n}`),
      ].join('\n'),
    );
  },
};
