/**
 * Every command, parsed by yargs: registered explicitly, strict (an unknown option is an error), with
 * `--help` and `--version`. src/cli.ts imports this for every command line except the daemon's own.
 */
import yargs from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { version } from '../version.js';
import { applyCommand } from './apply.js';
import { collectorConfigCommand } from './collector-config.js';
import { configCommand } from './config.js';
import { emitCommand } from './emit.js';
import { installCommand, uninstallCommand } from './install.js';
import { preflightCommand } from './preflight.js';
import { repairCommand } from './repair.js';
import { restoreCommand } from './restore.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { verifyCommand } from './verify.js';

export async function parseAndRun(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('auditrelay')
    .version(version())
    .parserConfiguration({ 'parse-positional-numbers': false })
    .command(runCommand)
    .command(emitCommand)
    .command(statusCommand)
    .command(configCommand)
    .command(applyCommand)
    .command(preflightCommand)
    .command(repairCommand)
    .command(collectorConfigCommand)
    .command(verifyCommand)
    .command(restoreCommand)
    .command(installCommand)
    .command(uninstallCommand)
    .demandCommand(1, 'Name a command (see --help)')
    .strict()
    .fail((message, error) => {
      throw error ?? new AuditRelayError('USAGE_INVALID', message);
    })
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .parseAsync();
}
