/**
 * `auditrelay restore [LOG…] --output FILE [--json]`: on the collector, writes the records that arrived
 * only wrapped (re-sent by a device after auditd or audisp-remote lost them) back as the kernel wrote
 * them, in auditd's log format, so `ausearch -if FILE` reads them as sent. FILE must not exist.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { JSON_OPTION, LOGS_POSITIONAL } from './options.js';
import { makeOutput } from './output.js';

interface RestoreArgs {
  logs: string[];
  output: string;
  json: boolean;
}

export const restoreCommand: CommandModule<object, RestoreArgs> = {
  command: 'restore [logs..]',
  describe: 'Turn wrapped re-sends in the collector logs back into the original records (auditd log format)',
  builder: (yargs) =>
    yargs
      .positional('logs', LOGS_POSITIONAL)
      .option('output', {
        type: 'string',
        demandOption: true,
        describe: 'Where to write the restored records (created; must not exist)',
      })
      .option('json', JSON_OPTION)
      .example('$0 restore --output /srv/restored.log', 'then: ausearch -if /srv/restored.log -i'),
  handler: async (args) => {
    const { logFiles } = await import('../verify/collector-logs.js');
    const { restoreRecords } = await import('../verify/restore.js');
    const { msgTypeToName } = await import('../../native/libaudit.js');
    const files = logFiles(args.logs);
    const result = restoreRecords(files, msgTypeToName);
    let fd: number;
    try {
      fd = openSync(args.output, 'wx', 0o640);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new AuditRelayError(
        code === 'EEXIST' ? 'RESTORE_OUTPUT_EXISTS' : 'RESTORE_OUTPUT_FAILED',
        `Cannot create ${JSON.stringify(args.output)}: ${code === 'EEXIST' ? 'it exists (restore never overwrites)' : String(error)}`,
      );
    }
    try {
      writeSync(fd, result.lines.length === 0 ? '' : `${result.lines.join('\n')}\n`);
    } finally {
      closeSync(fd);
    }
    const { lines: _lines, ...counts } = result;
    makeOutput(args.json).result(
      { ok: true, files, output: args.output, ...counts },
      [
        `restored ${result.restored} record(s) into ${args.output}`,
        `${result.alreadyThere} wrapped record(s) had arrived as sent too; ${result.repeated} were re-sent more than once`,
        ...(result.altered > 0 ? [`${result.altered} had a newline or separator turned into a space`] : []),
        ...(result.malformed + result.incomplete > 0
          ? [`${result.malformed} damaged wrapper(s) refused, ${result.incomplete} with parts missing`]
          : []),
      ].join('\n'),
    );
  },
};
