/** What several commands share: the default config path, --config, --json and the collector's logs. */
export const DEFAULT_CONFIG = '/etc/auditrelay/auditrelay.toml';

export const CONFIG_OPTION = { type: 'string', default: DEFAULT_CONFIG, describe: 'Config file' } as const;

export const JSON_OPTION = { type: 'boolean', default: false, describe: 'Print JSON' } as const;

/** `verify` and `restore`: the collector's logs. */
export const LOGS_POSITIONAL = {
  type: 'string',
  array: true,
  default: ['/var/log/audit'] as string[],
  describe:
    'Log files, oldest first, or directories (audit.log and its rotations; several collectors at once)',
} as const;
