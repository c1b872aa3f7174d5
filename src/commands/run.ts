/**
 * `auditrelay run --config FILE`: the long-running daemon (src/daemon/main.ts). Exits 78 when the
 * configuration is wrong (so systemd's RestartPreventExitStatus= stops a restart loop), 0 after a clean stop.
 */
import type { CommandModule } from 'yargs';
import { CONFIG_OPTION, DEFAULT_CONFIG } from './options.js';

interface RunArgs {
  config: string;
}

/**
 * The config file when `argv` is exactly the daemon's command line — `run`, `run --config FILE` or
 * `run --config=FILE` — else undefined (then yargs parses it, and reports what is wrong).
 */
export function daemonConfigArg(argv: readonly string[]): string | undefined {
  const [command, ...rest] = argv;
  if (command !== 'run') return undefined;
  if (rest.length === 0) return DEFAULT_CONFIG;
  const [flag, value] = rest;
  if (rest.length === 1 && flag?.startsWith('--config=') && flag.length > '--config='.length)
    return flag.slice('--config='.length);
  if (rest.length === 2 && flag === '--config' && value !== undefined && !value.startsWith('-')) return value;
  return undefined;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run the daemon (socket → policy → libaudit)',
  builder: (yargs) => yargs.option('config', CONFIG_OPTION),
  handler: async (args) => {
    const { runDaemon } = await import('../daemon/main.js');
    await runDaemon(args.config);
  },
};
