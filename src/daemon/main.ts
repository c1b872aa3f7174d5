/**
 * The daemon's composition root: reads the config, builds the parts (logger, type table, accounts,
 * systemd notifier, passed socket) and runs the daemon until a stop signal; SIGHUP reloads.
 * Imported only by `auditrelay run`, so one-shot commands do not load it.
 */
import { libauditTypeTable } from '../audit/type-table.js';
import { loadConfig } from '../config/load.js';
import { exitCodeFor } from '../errors/codes.js';
import { EXIT } from '../errors/exit.js';
import { createLogger } from '../log/logger.js';
import { listenFds } from '../systemd/listen-fds.js';
import { Notifier } from '../systemd/notifier.js';
import { version } from '../version.js';
import { systemAccounts } from './accounts.js';
import { Daemon } from './daemon.js';
import { prepareRuntime } from './runtime.js';
import { onSignals } from './signals.js';

/** How long a daemon that failed to start may take to exit on its own. */
const STOP_GRACE_MS = 2000;

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
  try {
    await daemon.start();
  } catch (error) {
    // What started (the listener, the emitter's worker, the tap) is stopped, so the process exits with
    // the error's status instead of lingering half-started; should anything still hold the event loop,
    // the exit is forced.
    await daemon.stop();
    setTimeout(() => process.exit(exitCodeFor(error)), STOP_GRACE_MS).unref();
    throw error;
  }
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
