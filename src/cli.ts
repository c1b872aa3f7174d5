#!/usr/bin/env node
/**
 * The auditrelay command line: registers each command module explicitly, and maps every error to a
 * stable exit code (src/errors/codes.ts) with one readable line on stderr (or a JSON error with --json).
 * The daemon's own command line (`run [--config FILE]`, as the unit starts it) is recognised before yargs
 * loads, so the long-running process never holds the argument parser (~12 MB of RSS); anything else,
 * `run --help` or an unknown option included, goes through yargs.
 */
import { resultPrinted } from './commands/output.js';
import { daemonConfigArg } from './commands/run.js';
import { exitCodeFor } from './errors/codes.js';
import { AuditRelayError } from './errors/error.js';
import { EXIT } from './errors/exit.js';

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
    const daemonConfig = daemonConfigArg(argv);
    if (daemonConfig === undefined) await (await import('./commands/command-line.js')).parseAndRun(argv);
    else await (await import('./daemon/main.js')).runDaemon(daemonConfig);
    return EXIT.OK;
  } catch (error) {
    return report(error, json);
  }
}

process.exitCode = await main(process.argv.slice(2));
