/** What several commands share: the default config path and the --config and --json options. */
export const DEFAULT_CONFIG = '/etc/auditrelay/auditrelay.toml';

export const CONFIG_OPTION = { type: 'string', default: DEFAULT_CONFIG, describe: 'Config file' } as const;

export const JSON_OPTION = { type: 'boolean', default: false, describe: 'Print JSON' } as const;
