#!/usr/bin/env node
/**
 * The auditrelay command line: registers each command module explicitly, and maps every error to a
 * stable exit code (src/errors.ts) with one readable line on stderr (or a JSON error with --json).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { applyCommand } from './commands/apply.js';
import { collectorConfigCommand } from './commands/collector-config.js';
import { configCommand } from './commands/config.js';
import { emitCommand } from './commands/emit.js';
import { installCommand, uninstallCommand } from './commands/install.js';
import { resultPrinted } from './commands/output.js';
import { preflightCommand } from './commands/preflight.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { AuditRelayError, EXIT, exitCodeFor } from './errors.js';
import { version } from './version.js';

function report(error: unknown, json: boolean): number {
  const code = error instanceof AuditRelayError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (json && !resultPrinted())
    process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  process.stderr.write(`auditrelay: ${message} [${code}]\n`);
  return exitCodeFor(error);
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
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
      .command(collectorConfigCommand)
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
    return EXIT.OK;
  } catch (error) {
    return report(error, json);
  }
}

process.exitCode = await main(hideBin(process.argv));
