/**
 * What the audit releases apply writes for accept, as their own parsers define it: the keyword table of
 * audisp/plugins/remote/remote-config.c and the value words of each key, probed against the installed
 * audisp-remote (an unknown keyword or word makes it exit 6), and the auditd.conf keys we manage
 * (src/auditd-config.c) and the plugin file's (audisp/audispd-pconfig.c).
 *
 * Read in audit-userspace for each release in VERIFIED_RELEASES: 3.0.9 (Debian 12) and 4.0 to 4.0.5
 * (Debian 13 ships 4.0.2) have the same remote-config keywords and words, the same auditd.conf keys we
 * write with the same limits (q_depth ≤ 99999), and the same plugin keywords (4.0 lets `args` take any
 * number of words; we write none). 4.0.5 adds the auditd.conf key `report_interval`, which we do not
 * write. Any other release may differ: apply refuses it rather than guess.
 */

/** The releases whose parsers these tables were read from. */
export const VERIFIED_RELEASES = ['3.0.9', '4.0', '4.0.1', '4.0.2', '4.0.3', '4.0.4', '4.0.5'] as const;

/** Whether apply knows what `version` (e.g. "4.0.2", from dpkg or auditctl) accepts. */
export function isVerifiedRelease(version: string): boolean {
  return (VERIFIED_RELEASES as readonly string[]).includes(version);
}

/** Every keyword audisp-remote knows (3.0.9 to 4.0.5); any other is fatal. */
export const AUDISP_REMOTE_KEYWORDS = [
  'remote_server',
  'port',
  'local_port',
  'transport',
  'mode',
  'queue_file',
  'queue_depth',
  'format',
  'network_retry_time',
  'max_tries_per_record',
  'max_time_per_record',
  'heartbeat_timeout',
  'enable_krb5',
  'krb5_principal',
  'krb5_client_name',
  'krb5_key_file',
  'network_failure_action',
  'disk_low_action',
  'disk_full_action',
  'disk_error_action',
  'remote_ending_action',
  'generic_error_action',
  'generic_warning_action',
  'queue_error_action',
  'overflow_action',
  'startup_failure_action',
] as const;

const FAILURE_WORDS = [
  'ignore',
  'syslog',
  'suspend',
  'single',
  'halt',
  'stop',
  'warn_once',
  'warn_once_continue',
] as const;

/** Accepted words per action key (`exec` is left out: it needs a root-owned 0750 helper we do not manage). */
export const ACTION_WORDS = {
  network_failure_action: FAILURE_WORDS,
  disk_low_action: FAILURE_WORDS,
  disk_full_action: FAILURE_WORDS,
  disk_error_action: FAILURE_WORDS,
  remote_ending_action: [...FAILURE_WORDS, 'reconnect'],
  generic_error_action: FAILURE_WORDS,
  generic_warning_action: FAILURE_WORDS,
  queue_error_action: FAILURE_WORDS,
  overflow_action: ['ignore', 'syslog', 'suspend', 'single', 'halt'],
  startup_failure_action: ['ignore', 'syslog', 'warn_once', 'warn_once_continue'],
} as const;

export type ActionKey = keyof typeof ACTION_WORDS;

/**
 * Words the parser accepts but that break forwarding (platform-facts): with `syslog` a network failure
 * wedges audisp-remote for good (it never reconnects).
 */
export const BROKEN_ACTIONS: Partial<Record<ActionKey, Readonly<Record<string, string>>>> = {
  network_failure_action: {
    syslog:
      'audisp-remote 3.0.9 never reconnects after a network failure with "syslog"; use "stop" (auditd restarts it)',
  },
};

/** auditd.conf `name_format` words. */
export const NAME_FORMATS = ['none', 'hostname', 'fqd', 'numeric', 'user'] as const;

/** The longest line audit's config parsers read (fgets into a 128-byte buffer). */
export const MAX_LINE_BYTES = 127;

/** auditd.conf's largest q_depth: the parser says "q_depth must be 99999 or less" and exits. */
export const AUDITD_MAX_Q_DEPTH = 99_999;

/** The first upstream release without the KRB5 reconnect segfault (krb5_cc_close(NULL); PR #446). */
export const KRB5_CRASH_FIXED_IN = [4, 0, 4] as const;
