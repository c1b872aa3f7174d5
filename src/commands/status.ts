/**
 * `auditrelay status --socket PATH [--json]`: the running daemon's counters, asked over its socket.
 */
import type { CommandModule } from 'yargs';
import { connect } from '../client.js';
import { makeOutput } from './output.js';

interface StatusArgs {
  socket: string;
  json: boolean;
}

function human(status: unknown): string {
  const lines: string[] = [];
  const walk = (value: unknown, prefix: string) => {
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
    } else {
      lines.push(`${prefix.padEnd(28)} ${String(value)}`);
    }
  };
  walk(status, '');
  return lines.join('\n');
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: "Show the running daemon's counters",
  builder: (yargs) =>
    yargs
      .option('socket', {
        type: 'string',
        default: '/run/auditrelay/events.sock',
        describe: "The daemon's socket",
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: async (args) => {
    const client = await connect(args.socket);
    const status = await client.status();
    await client.close();
    makeOutput(args.json).result({ ok: true, daemon: status }, human(status));
  },
};
