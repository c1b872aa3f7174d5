/**
 * The daemon's composition root: reads the config, builds the parts (logger, type table, accounts,
 * systemd notifier, passed socket) and runs the daemon until a stop signal; SIGHUP reloads.
 * Imported only by `auditrelay run`, so one-shot commands do not load it.
 */
import { libauditTypeTable } from '../audit/type-table.js';
import { loadConfig } from '../config/load.js';
import { EXIT } from '../errors/exit.js';
import { createLogger } from '../log/logger.js';
import { listenFds } from '../systemd/listen-fds.js';
import { Notifier } from '../systemd/notifier.js';
import { version } from '../version.js';
import { systemAccounts } from './accounts.js';
import { Daemon } from './daemon.js';
import { prepareRuntime } from './runtime.js';
import { onSignals } from './signals.js';

export async function runDaemon(configFile: string): Promise<void> {
  const log = createLogger();
  const types = libauditTypeTable();
  const runtime = prepareRuntime(configFile, loadConfig(configFile), systemAccounts, types);
  const notifier = new Notifier(log);
  const daemon = new Daemon(runtime, {
    log,
    notifier,
    accounts: systemAccounts,
    types,
    listenFds: listenFds(),
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
}
