/**
 * `[forwarding]` and `[auditd]`: how auditd and its audisp-remote plugin forward every record to the
 * collector. Values are limited to what the installed audit (3.0.9) accepts, minus known-broken choices.
 */
import { z } from 'zod';
import { duration } from '../duration.js';
import {
  ACTION_WORDS,
  type ActionKey,
  AUDITD_MAX_Q_DEPTH,
  BROKEN_ACTIONS,
  NAME_FORMATS,
} from './audit-parsers.js';

/** Joined to `--root` by apply, status and preflight: a `..` segment could leave the root, so none. */
const absolutePath = z
  .string()
  .min(1)
  .max(96)
  .regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits and ._/-')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".." (it is joined to --root)');
const host = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$/, 'must be a host name or IP address');
const principalPart = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a principal name component');

function action<K extends ActionKey>(key: K, fallback: (typeof ACTION_WORDS)[K][number]) {
  const words = ACTION_WORDS[key] as readonly string[];
  return z
    .string()
    .superRefine((word, ctx) => {
      if (!words.includes(word)) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${words.join(', ')} (audisp-remote 3.0.9)` });
      }
      const broken = BROKEN_ACTIONS[key]?.[word];
      if (broken !== undefined) ctx.addIssue({ code: 'custom', message: broken });
    })
    .default(fallback)
    .describe(
      `audisp-remote ${key}: one of ${words.filter((w) => BROKEN_ACTIONS[key]?.[w] === undefined).join(', ')}.`,
    );
}

export const forwardingSchema = z
  .strictObject({
    collector: host.describe("The customer's collector (host name or IP address). Required."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(60)
      .describe("The collector's TCP port (its tcp_listen_port)."),
    relay_port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(61)
      .describe(
        "The loopback port of auditrelay's relay: audisp-remote connects to 127.0.0.1 here, and the relay carries " +
          'its (still encrypted) connection to the collector. Below 1024, so only root can listen on it.',
      ),
    source_port: z
      .enum(['privileged', 'any'])
      .default('privileged')
      .describe(
        'The port the relay connects to the collector from: "privileged" (below 1024; the unit grants CAP_NET_BIND_SERVICE) ' +
          'lets the collector admit only those (tcp_client_ports = 1-1023), so no unprivileged process anywhere can open the ' +
          'silent connection that stalls a collector before audit 4.2.1; "any" for a collector that admits every port.',
      ),
    transport: z
      .enum(['krb5', 'tcp'])
      .default('krb5')
      .describe(
        '"krb5" (Kerberos 5 protected). "tcp" is plaintext: only with allow_plaintext = true (labs).',
      ),
    allow_plaintext: z.boolean().default(false).describe('Allow transport = "tcp" (plaintext; labs only).'),
    service_principal: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9.-]*$/, 'must look like service/host')
      .optional()
      .describe(
        'The collector\'s service principal; default "auditd/<collector>". Its first component must equal client_name.',
      ),
    client_name: principalPart
      .default('auditd')
      .describe('First component of our client principal: <client_name>/<hostname>@<realm>.'),
    keytab: absolutePath
      .default('/etc/audit/audisp-remote.key')
      .describe('The client keytab audisp-remote uses: root-owned, mode exactly 0400.'),
    krb5_config: absolutePath
      .default('/etc/krb5.conf')
      .describe('The krb5.conf audisp-remote reads (its default realm names our principal).'),
    heartbeat_timeout: duration(0, 86_400_000)
      .default(0)
      .describe('audisp-remote heartbeat_timeout; "0s" disables it.'),
    queue_depth: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(65536)
      .describe('audisp-remote queue_depth (records held in memory).'),
    network_retry_time: duration(1000, 3_600_000).default(1000).describe('audisp-remote network_retry_time.'),
    max_tries_per_record: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe(
        'audisp-remote max_tries_per_record: each time the relay lets a held audisp-remote reconnect costs a try.',
      ),
    max_time_per_record: duration(1000, 2_147_483_000)
      .default(86_400_000)
      .describe(
        "audisp-remote max_time_per_record: how long it waits for the collector's answer, so how long the relay can " +
          'hold it through an outage without it giving up (and losing its queue). At most 24 days (its poll timeout ' +
          'is this in milliseconds, in an int).',
      ),
    network_failure_action: action('network_failure_action', 'stop'),
    disk_low_action: action('disk_low_action', 'ignore'),
    disk_full_action: action('disk_full_action', 'warn_once'),
    disk_error_action: action('disk_error_action', 'warn_once'),
    remote_ending_action: action('remote_ending_action', 'reconnect'),
    generic_error_action: action('generic_error_action', 'syslog'),
    generic_warning_action: action('generic_warning_action', 'syslog'),
    queue_error_action: action('queue_error_action', 'stop'),
    overflow_action: action('overflow_action', 'syslog'),
    startup_failure_action: action('startup_failure_action', 'warn_once_continue'),
  })
  .refine((f) => f.service_principal === undefined || f.service_principal.split('/')[0] === f.client_name, {
    message:
      'the first component must equal client_name: the collector accepts with krb5_principal = that name and authorises clients by it',
    path: ['service_principal'],
  })
  .refine((f) => f.transport === 'krb5' || f.allow_plaintext, {
    message:
      'transport = "tcp" sends records in plaintext: set allow_plaintext = true to accept that (labs only)',
    path: ['transport'],
  });

export const auditdSchema = z
  .strictObject({
    config_dir: absolutePath
      .default('/etc/audit')
      .describe('Where auditd.conf, audisp-remote.conf and plugins.d live.'),
    q_depth: z
      .number()
      .int()
      .min(2000)
      .max(AUDITD_MAX_Q_DEPTH, { message: `auditd 3.0.9 refuses a q_depth above ${AUDITD_MAX_Q_DEPTH}` })
      .default(AUDITD_MAX_Q_DEPTH)
      .describe(
        "auditd's queue to plugins, in records: the burst the device absorbs while audisp-remote's stop-and-wait " +
          'forwarding catches up; past it auditd drops records silently (syslog only). Each queued record costs ' +
          'auditd about 4 KiB of memory while it waits (measured: 435 MB RSS holding ~100,000).',
      ),
    max_restarts: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(100_000)
      .describe('High, because audisp-remote 3.0.9 crashes on every failed KRB5 reconnect (platform-facts).'),
    name_format: z
      .enum(NAME_FORMATS)
      .default('hostname')
      .describe('How the device names itself in every record (node=).'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a short name')
      .optional()
      .describe('The device name with name_format = "user" (required then).'),
    restart_command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Command that restarts auditd after a managed file changed; default: systemctl when systemd runs.',
      ),
  })
  .refine((a) => a.name_format !== 'user' || a.name !== undefined, {
    message: 'name_format = "user" needs name',
    path: ['name'],
  });

export type ForwardingConfig = z.infer<typeof forwardingSchema>;
export type AuditdConfig = z.infer<typeof auditdSchema>;

/** What apply and status read of the whole configuration (ours satisfies it). */
export interface ApplyConfig {
  readonly forwarding?: ForwardingConfig | undefined;
  readonly auditd: AuditdConfig;
}
