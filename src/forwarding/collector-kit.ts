/**
 * What the customer's collector and KDC need for this device to be accepted: the collector's auditd.conf
 * keys, the kadmin commands for both principals and keytabs, and the rules that trip integrators up
 * (platform-facts: principal naming, tcp_max_per_addr, the raw host name).
 */
import { clientPrincipal, servicePrincipal } from '../kerberos/principal.js';
import type { ForwardingConfig } from './schema.js';

/** Where the collector's auditd reads its service key (its krb5_key_file). */
export const COLLECTOR_KEYTAB = '/etc/audit/audit.key';

export interface CollectorKit {
  /** The collector's auditd.conf keys, in the order to write them. */
  readonly auditdConf: ReadonlyArray<readonly [string, string]>;
  readonly kadmin: readonly string[];
  readonly notes: readonly string[];
}

/**
 * How long the collector lets a client connection stay silent before closing it: longer than two of the
 * device's heartbeats (a live connection carries one every interval), so only a dead one is reaped —
 * within one to two of these periods (auditd checks every period, src/auditd-listen.c periodic_handler).
 * Without a heartbeat nothing tells a quiet device from a dead one: 0 (never reap).
 */
export function clientMaxIdleS(heartbeatMs: number): number {
  return heartbeatMs === 0 ? 0 : Math.max(60, 2 * Math.ceil(heartbeatMs / 1000) + 30);
}

function collectorKeys(f: ForwardingConfig, heartbeatMs: number): Array<[string, string]> {
  const krb5: Array<[string, string]> =
    f.transport === 'krb5'
      ? [
          ['krb5_principal', f.client_name],
          ['krb5_key_file', COLLECTOR_KEYTAB],
        ]
      : [];
  return [
    ['tcp_listen_port', String(f.port)],
    ['transport', f.transport === 'krb5' ? 'KRB5' : 'TCP'],
    ...krb5,
    // 2, not 1: a reconnect from a new port (the daemon restarted) must get in while the stale one lingers.
    ['tcp_max_per_addr', '2'],
    ['tcp_client_max_idle', String(clientMaxIdleS(heartbeatMs))],
    // Devices connect from below 1024 (forwarding.source_port): no unprivileged process gets a connection.
    ...(f.source_port === 'privileged' ? ([['tcp_client_ports', '1-1023']] as Array<[string, string]>) : []),
    ['distribute_network', 'no'],
    ['local_events', 'yes'],
    ['write_logs', 'yes'],
  ];
}

/** The kit for this device (`host`: its gethostname()) in `realm`, heartbeating every `heartbeatMs`. */
export function collectorKit(
  f: ForwardingConfig,
  realm: string,
  host: string,
  heartbeatMs: number,
): CollectorKit {
  const service = `${servicePrincipal(f)}@${realm}`;
  const client = clientPrincipal(f.client_name, realm, host);
  return {
    auditdConf: collectorKeys(f, heartbeatMs),
    kadmin: [
      `kadmin.local -q "addprinc -randkey ${service}"`,
      `kadmin.local -q "ktadd -k ${COLLECTOR_KEYTAB} ${service}"`,
      `chown root:root ${COLLECTOR_KEYTAB} && chmod 0400 ${COLLECTOR_KEYTAB}   # on the collector`,
      `kadmin.local -q "addprinc -randkey ${client}"`,
      `kadmin.local -q "ktadd -k audisp-remote.key ${client}"`,
      `# copy audisp-remote.key to this device as ${f.keytab}, then: chown root:root ${f.keytab} && chmod 0400 ${f.keytab}`,
    ],
    notes: [
      `The collector accepts this device only if its krb5_principal equals "${f.client_name}" (the first component of ${client}) and the realms match.`,
      "Stale connections cannot lock this device out: after an outage its relay reconnects from the same local port, which makes the collector's kernel drop the dead connection at once; one the device abandoned (it restarted) is closed after tcp_client_max_idle, and tcp_max_per_addr = 2 lets the new one in meanwhile.",
      ...(heartbeatMs === 0
        ? [
            'WARNING: daemon.heartbeat_interval is 0: the collector cannot tell this device dead from quiet, so abandoned connections are never reaped.',
          ]
        : [
            `tcp_client_max_idle = ${clientMaxIdleS(heartbeatMs)} s: more than two of this device's heartbeats (every ${Math.round(heartbeatMs / 1000)} s).`,
          ]),
      ...(f.source_port === 'privileged'
        ? [
            "tcp_client_ports = 1-1023: this device connects from a port below 1024, and the collector turns away every connection from above — before audit 4.2.1 one silent connection to the collector stalls it for every device, and now no unprivileged process anywhere can open one. Root on any host that reaches the port still can: admit only the devices' addresses (firewall, or use_libwrap with hosts.allow), and see the security model.",
          ]
        : [
            'forwarding.source_port = "any": leave tcp_client_ports unset. Any process on any host that reaches the collector\'s port can stall it for every device (audit before 4.2.1): admit only the devices\' addresses.',
          ]),
      'The device principal uses the raw host name (gethostname()), not the FQDN.',
      'Account for every record of this device on the collector: auditrelay verify /var/log/audit (exit 0 = nothing missing; alert on anything else).',
    ],
  };
}
