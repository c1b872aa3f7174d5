/**
 * `auditrelay run --config FILE`: the long-running daemon. Exits 78 when the configuration is wrong (so
 * systemd's RestartPreventExitStatus= stops a restart loop), 0 after a clean stop.
 */
import type { CommandModule } from 'yargs';
import { libauditTypeTable } from '../audit/type-table.js';
import { loadConfig } from '../config/load.js';
import { systemAccounts } from '../daemon/accounts.js';
import { Daemon } from '../daemon/daemon.js';
import { prepareRuntime } from '../daemon/runtime.js';
import { onSignals } from '../daemon/signals.js';
import { EXIT } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { listenFd } from '../systemd/listen-fds.js';
import { Notifier } from '../systemd/notifier.js';
import { version } from '../version.js';

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
    const log = createLogger();
    const types = libauditTypeTable();
    const runtime = prepareRuntime(args.config, loadConfig(args.config), systemAccounts, types);
    const notifier = new Notifier(log);
    const daemon = new Daemon(runtime, {
      log,
      notifier,
      accounts: systemAccounts,
      types,
      listenFd: listenFd(),
      version: version(),
    });
    await daemon.start();
    await new Promise<void>((resolve) => {
      const detach = onSignals(
        async (intent) => {
          if (intent === 'reload') return daemon.reload();
          await daemon.stop();
          detach();
          resolve();
        },
        () => {
          log.warning('second stop signal: exiting now');
          process.exit(EXIT.SOFTWARE);
        },
      );
    });
  },
};
