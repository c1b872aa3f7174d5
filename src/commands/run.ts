/**
 * `auditrelay run --config FILE`: the long-running daemon (src/daemon/main.ts). Exits 78 when the
 * configuration is wrong (so systemd's RestartPreventExitStatus= stops a restart loop), 0 after a clean stop.
 */
import type { CommandModule } from 'yargs';

interface RunArgs {
  config: string;
}

export const DEFAULT_CONFIG = '/etc/auditrelay/auditrelay.toml';

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run the daemon (socket → policy → libaudit)',
  builder: (yargs) =>
    yargs.option('config', { type: 'string', default: DEFAULT_CONFIG, describe: 'Config file' }),
  handler: async (args) => {
    const { runDaemon } = await import('../daemon/main.js');
    await runDaemon(args.config);
  },
};
