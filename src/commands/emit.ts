/**
 * `auditrelay emit`: one event from the command line — or NDJSON events from stdin (`--stdin`) — to the
 * daemon's socket, or straight into the kernel through libaudit (`--direct`, needs CAP_AUDIT_WRITE).
 * Exits 0 only when every event was accepted by the kernel.
 */
import { createInterface } from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { Emitter } from '../audit/emitter.js';
import type { EventInput } from '../audit/event.js';
import { parseEvent } from '../audit/event.js';
import { kernelHint } from '../audit/kernel-hints.js';
import { buildRecord, RECORD_BYTES } from '../audit/record.js';
import { type AuditRelayClient, type ClientError, connect } from '../client.js';
import type { ErrorCode } from '../errors/codes.js';
import { AuditRelayError } from '../errors/error.js';
import { makeOutput } from './output.js';

export interface EmitArgs {
  direct: boolean;
  socket: string;
  stdin: boolean;
  type: string | undefined;
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
  if (args.type === undefined) throw new AuditRelayError('USAGE_TYPE', 'Name the event type with --type');
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
  const { libauditTypeTable } = await import('../audit/type-table.js');
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
    { ok: true, type: event.type.name, run: emitter.run, seq: outcome.seq },
    `recorded ${event.type.name} (ar_run ${emitter.run}, ar_seq ${outcome.seq})`,
  );
}

async function emitViaSocket(args: EmitArgs): Promise<void> {
  const output = makeOutput(args.json);
  const event = eventFromArgs(args);
  const client = await connect(args.socket);
  try {
    await client.send(event);
  } finally {
    await client.close();
  }
  output.result({ ok: true, type: event.type }, `recorded ${event.type}`);
}

interface LineResult {
  readonly line: number;
  readonly ok: boolean;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

function sendLine(client: AuditRelayClient, line: number, text: string): Promise<LineResult> {
  let event: EventInput;
  try {
    event = JSON.parse(text) as EventInput;
  } catch {
    return Promise.resolve({ line, ok: false, error: { code: 'REQUEST_MALFORMED', message: 'not JSON' } });
  }
  return client.send(event).then(
    () => ({ line, ok: true }),
    (error: ClientError) => ({ line, ok: false, error: { code: error.code, message: error.message } }),
  );
}

/** NDJSON events on stdin, pipelined; one result line each with --json. Fails with the first error's code. */
async function emitStdin(args: EmitArgs): Promise<void> {
  const client = await connect(args.socket);
  const results: Array<Promise<LineResult>> = [];
  let line = 0;
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() !== '') results.push(sendLine(client, line, text));
  }
  const settled = await Promise.all(results);
  await client.close();
  const failed = settled.filter((r) => !r.ok);
  if (args.json) for (const r of settled) process.stdout.write(`${JSON.stringify(r)}\n`);
  else process.stdout.write(`sent ${settled.length - failed.length} of ${settled.length} event(s)\n`);
  for (const r of failed)
    process.stderr.write(`auditrelay: line ${r.line}: ${r.error?.message} [${r.error?.code}]\n`);
  const first = failed[0]?.error;
  if (first !== undefined) throw new AuditRelayError(first.code, `${failed.length} event(s) not recorded`);
}

export function emitOptions(yargs: Argv): Argv<EmitArgs> {
  return yargs
    .positional('fields', {
      type: 'string',
      array: true,
      default: [],
      describe: 'Application fields, name=value',
    })
    .option('socket', {
      type: 'string',
      default: '/run/auditrelay/events.sock',
      describe: "The daemon's socket",
    })
    .option('direct', {
      type: 'boolean',
      default: false,
      describe: 'Write through libaudit (CAP_AUDIT_WRITE)',
    })
    .option('stdin', {
      type: 'boolean',
      default: false,
      describe: 'Read NDJSON events from stdin (socket only)',
    })
    .option('type', { type: 'string', describe: 'Event type: name (USER_LOGIN) or number' })
    .option('result', { choices: ['success', 'failed'] as const, default: 'success' as const })
    .option('op', { type: 'string', describe: 'Operation, e.g. login (required with --acct)' })
    .option('acct', { type: 'string', describe: 'Account acted on (account event types require it)' })
    .option('addr', { type: 'string', describe: 'IP address of the remote party' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print the outcome as JSON',
    });
}

export const emitCommand: CommandModule<object, EmitArgs> = {
  command: 'emit [fields..]',
  describe: 'Record one event (or NDJSON events from stdin)',
  builder: emitOptions,
  handler: async (args) => {
    if (args.direct && args.stdin)
      throw new AuditRelayError('USAGE_MODE', '--stdin reads events for the daemon: drop --direct');
    if (args.direct) await emitDirect(args);
    else if (args.stdin) await emitStdin(args);
    else await emitViaSocket(args);
  },
};
