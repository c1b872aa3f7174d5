/**
 * The files auditrelay owns or edits, rendered from the integrator config: audisp-remote.conf and
 * plugins.d/au-remote.conf are ours entirely; in auditd.conf only the managed keys change.
 *
 * @relation(AR-REQ-008)
 */

import { servicePrincipal } from '../kerberos/principal.js';
import { ConfFile } from './conf-file.js';
import type { AuditdConfig, ForwardingConfig } from './schema.js';

const HEADER = '# Managed by auditrelay (auditrelay apply): edit /etc/auditrelay/auditrelay.toml instead.';

const seconds = (ms: number) => String(Math.round(ms / 1000));

/** Where audisp-remote connects: auditrelay's relay on loopback, which carries it to the collector. */
export const RELAY_ADDRESS = '127.0.0.1';

/**
 * audisp-remote.conf: every key written, so nothing depends on compiled-in defaults. audisp-remote
 * connects to the relay (relay/relay.ts), never straight to the collector; `krb5_principal` still names
 * the collector's service, so its GSS session is with the collector, end to end.
 */
export function renderAudispRemote(f: ForwardingConfig): string {
  const file = ConfFile.parse(`${HEADER}\n`, 'split128');
  const settings: Array<[string, string]> = [
    ['remote_server', RELAY_ADDRESS],
    ['port', String(f.relay_port)],
    ['transport', f.transport === 'krb5' ? 'KRB5' : 'TCP'],
    ['mode', 'immediate'],
    ['queue_depth', String(f.queue_depth)],
    ['format', 'managed'],
    ['network_retry_time', seconds(f.network_retry_time)],
    ['max_tries_per_record', String(f.max_tries_per_record)],
    ['max_time_per_record', seconds(f.max_time_per_record)],
    ['heartbeat_timeout', seconds(f.heartbeat_timeout)],
    ['network_failure_action', f.network_failure_action],
    ['disk_low_action', f.disk_low_action],
    ['disk_full_action', f.disk_full_action],
    ['disk_error_action', f.disk_error_action],
    ['remote_ending_action', f.remote_ending_action],
    ['generic_error_action', f.generic_error_action],
    ['generic_warning_action', f.generic_warning_action],
    ['queue_error_action', f.queue_error_action],
    ['overflow_action', f.overflow_action],
    ['startup_failure_action', f.startup_failure_action],
  ];
  if (f.transport === 'krb5') {
    settings.push(
      ['krb5_principal', servicePrincipal(f)],
      ['krb5_client_name', f.client_name],
      ['krb5_key_file', f.keytab],
    );
  }
  for (const [key, value] of settings) file.set(key, value);
  return file.render();
}

/** plugins.d/au-remote.conf: auditd starts /sbin/audisp-remote and feeds it every record as text. */
export function renderAuRemotePlugin(): string {
  const file = ConfFile.parse(`${HEADER}\n`, 'skip160');
  for (const [key, value] of [
    ['active', 'yes'],
    ['direction', 'out'],
    ['path', '/sbin/audisp-remote'],
    ['type', 'always'],
    ['format', 'string'],
  ] as const) {
    file.set(key, value);
  }
  return file.render();
}

/** The auditd.conf keys we manage, as they must read after apply. */
export function managedAuditdKeys(a: AuditdConfig): Array<[string, string]> {
  const keys: Array<[string, string]> = [
    ['write_logs', 'no'],
    ['q_depth', String(a.q_depth)],
    ['max_restarts', String(a.max_restarts)],
    ['name_format', a.name_format.toUpperCase()],
  ];
  if (a.name !== undefined) keys.push(['name', a.name]);
  return keys;
}

/** auditd.conf with only the managed keys changed; every other line and comment kept as it was. */
export function renderAuditd(current: string, a: AuditdConfig): string {
  const file = ConfFile.parse(current, 'skip160');
  for (const [key, value] of managedAuditdKeys(a)) file.set(key, value);
  return file.render();
}
