/**
 * `auditrelay collector-config --config FILE`: what the customer's collector needs to accept this device —
 * the auditd.conf keys and the kadmin commands for both principals and keytabs.
 */
import { hostname } from 'node:os';
import type { CommandModule } from 'yargs';
import { readDefaultRealm } from '../kerberos/krb5-conf.js';
import { clientPrincipal, servicePrincipal } from '../kerberos/principal.js';
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
    const f = (await loadForwardingConfig(args.config)).forwarding;
    const realm = readDefaultRealm(`${args.root.replace(/\/$/, '')}${f.krb5_config}`) ?? 'EXAMPLE.REALM';
    const service = `${servicePrincipal(f)}@${realm}`;
    const client = clientPrincipal(f.client_name, realm, hostname());
    const collectorKeys: Array<[string, string]> = [
      ['tcp_listen_port', String(f.port)],
      ['transport', f.transport === 'krb5' ? 'KRB5' : 'TCP'],
      ...(f.transport === 'krb5'
        ? ([
            ['krb5_principal', f.client_name],
            ['krb5_key_file', '/etc/audit/audit.key'],
          ] as Array<[string, string]>)
        : []),
      ['tcp_max_per_addr', '2'],
      ['tcp_client_max_idle', '0'],
      ['distribute_network', 'no'],
      ['local_events', 'yes'],
      ['write_logs', 'yes'],
    ];
    const kadmin = [
      `kadmin.local -q "addprinc -randkey ${service}"`,
      `kadmin.local -q "ktadd -k /etc/audit/audit.key ${service}"`,
      'chown root:root /etc/audit/audit.key && chmod 0400 /etc/audit/audit.key   # on the collector',
      `kadmin.local -q "addprinc -randkey ${client}"`,
      `kadmin.local -q "ktadd -k audisp-remote.key ${client}"`,
      `# copy audisp-remote.key to this device as ${f.keytab}, then: chown root:root ${f.keytab} && chmod 0400 ${f.keytab}`,
    ];
    const notes = [
      `The collector accepts this device only if its krb5_principal equals "${f.client_name}" (the first component of ${client}) and the realms match.`,
      'tcp_max_per_addr = 2 lets a reconnect in while the stale connection lingers (1 rejects it).',
      'The device principal uses the raw host name (gethostname()), not the FQDN.',
      'Account for every record of this device on the collector: auditrelay verify /var/log/audit (exit 0 = nothing missing; alert on anything else).',
    ];
    makeOutput(args.json).result(
      { collector_auditd_conf: Object.fromEntries(collectorKeys), kadmin, notes },
      [
        '# Collector /etc/audit/auditd.conf (set these keys, then restart auditd):',
        ...collectorKeys.map(([k, v]) => `${k} = ${v}`),
        '',
        '# Principals and keytabs (on the KDC):',
        ...kadmin,
        '',
        ...notes.map((n) => `# ${n}`),
      ].join('\n'),
    );
  },
};
