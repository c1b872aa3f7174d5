/**
 * `auditrelay config check --config FILE [--json]`: validates everything (schema, names of users, groups and
 * event types) and touches nothing. `auditrelay config show`: the effective configuration, defaults resolved.
 */
import type { CommandModule } from 'yargs';
import { ConfigError } from '../config/config-error.js';
import { loadConfigFile } from './load-config.js';
import { CONFIG_OPTION, JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface ConfigArgs {
  config: string;
  json: boolean;
}

const options = { config: CONFIG_OPTION, json: JSON_OPTION } as const;

const check: CommandModule<object, ConfigArgs> = {
  command: 'check',
  describe: 'Validate a config file (changes nothing)',
  builder: (yargs) => yargs.options(options),
  handler: async (args) => {
    const output = makeOutput(args.json);
    const [{ libauditTypeTable }, { systemAccounts }, { prepareRuntime }] = await Promise.all([
      import('../audit/type-table.js'),
      import('../daemon/accounts.js'),
      import('../daemon/runtime.js'),
    ]);
    try {
      prepareRuntime(args.config, await loadConfigFile(args.config), systemAccounts, libauditTypeTable());
    } catch (error) {
      if (error instanceof ConfigError && args.json) {
        output.result({ ok: false, file: error.file, problems: error.problems }, '');
      }
      throw error;
    }
    output.result({ ok: true, file: args.config }, `${args.config}: valid`);
  },
};

const show: CommandModule<object, ConfigArgs> = {
  command: 'show',
  describe: 'Print the effective configuration, defaults resolved (durations in ms)',
  builder: (yargs) => yargs.options(options),
  handler: async (args) => {
    const config = await loadConfigFile(args.config);
    const text = JSON.stringify(config, null, 2);
    makeOutput(args.json).result(config, text);
  },
};

export const configCommand: CommandModule = {
  command: 'config <action>',
  describe: 'Check or show the configuration',
  builder: (yargs) => yargs.command(check).command(show).demandCommand(1),
  handler: () => undefined,
};
