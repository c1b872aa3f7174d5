/**
 * `auditrelay emit`: one event from the command line (or NDJSON events from stdin), straight into the
 * kernel through libaudit (`--direct`, needs CAP_AUDIT_WRITE). Exits 0 only when the kernel accepted it.
 */
import type { Argv, CommandModule } from 'yargs';
import { Emitter } from '../audit/emitter.js';
import type { EventInput } from '../audit/event.js';
import { parseEvent } from '../audit/event.js';
import { kernelHint } from '../audit/kernel-hints.js';
import { buildRecord, RECORD_BYTES } from '../audit/record.js';
import { libauditTypeTable } from '../audit/type-table.js';
import { AuditRelayError } from '../errors.js';
import { makeOutput } from './output.js';

export interface EmitArgs {
  direct: boolean;
  type: string;
  result: 'success' | 'failed';
  op: string | undefined;
  acct: string | undefined;
  addr: string | undefined;
  json: boolean;
  fields: string[];
}

/** `name=value` words → an ordered object; the first `=` splits, so values may contain `=`. */
export function parseFieldArgs(words: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new AuditRelayError('USAGE_FIELD', `Field ${JSON.stringify(word)} is not name=value`);
    fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return fields;
}

/** The event the flags describe (validated later, by the same code the daemon uses). */
export function eventFromArgs(args: EmitArgs): EventInput {
  return {
    type: args.type,
    result: args.result,
    ...(args.op === undefined ? {} : { op: args.op }),
    ...(args.acct === undefined ? {} : { acct: args.acct }),
    ...(args.addr === undefined ? {} : { addr: args.addr }),
    fields: parseFieldArgs(args.fields),
  };
}

async function emitDirect(args: EmitArgs): Promise<void> {
  const output = makeOutput(args.json);
  const event = parseEvent(eventFromArgs(args), libauditTypeTable());
  const record = buildRecord(event, undefined, RECORD_BYTES.default);
  const emitter = new Emitter();
  const outcome = await emitter.emit(record).finally(() => emitter.close());
  if (!outcome.ok) {
    const hint = kernelHint(outcome.code);
    throw new AuditRelayError(
      outcome.code,
      `The kernel refused the record: ${outcome.message}${hint ? `: ${hint}` : ''}`,
    );
  }
  output.result(
    { ok: true, type: event.type.name, seq: outcome.seq },
    `recorded ${event.type.name} (netlink seq ${outcome.seq})`,
  );
}

export function emitOptions(yargs: Argv): Argv<EmitArgs> {
  return yargs
    .positional('fields', {
      type: 'string',
      array: true,
      default: [],
      describe: 'Application fields, name=value',
    })
    .option('direct', {
      type: 'boolean',
      default: false,
      describe: 'Write through libaudit (CAP_AUDIT_WRITE)',
    })
    .option('type', {
      type: 'string',
      demandOption: true,
      describe: 'Event type: name (USER_LOGIN) or number',
    })
    .option('result', { choices: ['success', 'failed'] as const, default: 'success' as const })
    .option('op', { type: 'string', describe: 'Operation, e.g. login (required with --acct)' })
    .option('acct', { type: 'string', describe: 'Account acted on (account event types require it)' })
    .option('addr', { type: 'string', describe: 'IP address of the remote party' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print the outcome as JSON',
    }) as unknown as Argv<EmitArgs>;
}

export const emitCommand: CommandModule<object, EmitArgs> = {
  command: 'emit [fields..]',
  describe: 'Record one event',
  builder: emitOptions,
  handler: async (args) => {
    if (!args.direct)
      throw new AuditRelayError('USAGE_MODE', 'Choose --direct (this build has no daemon client yet)');
    await emitDirect(args);
  },
};
