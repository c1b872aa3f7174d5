/**
 * `auditrelay status [--config FILE] [--socket PATH] [--root DIR] [--json]`: the running daemon's counters
 * (over its socket) and, as root, the health of forwarding: kernel audit, auditd and audisp-remote, drift
 * of the managed files, storage leaks, the Kerberos preflight. Exits 0 when healthy, 69 when a problem was
 * found (each named by a stable code).
 */
import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { connect } from '../client.js';
import { AuditRelayError } from '../errors/error.js';
import type { Problem } from '../forwarding/system-status.js';
import { loadConfigFile } from './load-config.js';
import { DEFAULT_CONFIG, JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface StatusArgs {
  config: string;
  socket: string | undefined;
  root: string;
  json: boolean;
}

function flatten(value: unknown, prefix: string, lines: string[]): string[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, lines);
  } else if (value !== undefined) {
    lines.push(`${prefix.padEnd(40)} ${Array.isArray(value) ? JSON.stringify(value) : String(value)}`);
  }
  return lines;
}

async function daemonStatus(socket: string): Promise<unknown> {
  try {
    const client = await connect(socket);
    const status = await client.status();
    await client.close();
    return status;
  } catch (error) {
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Show the daemon counters and the health of forwarding',
  builder: (yargs) =>
    yargs
      .option('config', {
        type: 'string',
        default: DEFAULT_CONFIG,
        describe: 'Config file (system checks need it)',
      })
      .option('socket', { type: 'string', describe: "The daemon's socket (default: from the config)" })
      .option('root', { type: 'string', default: '/', describe: 'Check managed files under this root' })
      .option('json', JSON_OPTION),
  handler: async (args) => {
    const config = existsSync(args.config) ? await loadConfigFile(args.config) : undefined;
    const socket = args.socket ?? config?.daemon.socket ?? '/run/auditrelay/events.sock';
    const daemon = await daemonStatus(socket);
    const system =
      config === undefined
        ? null
        : await (await import('../forwarding/system-status.js')).systemStatus(config, args.root);
    const problems: Problem[] = [...(system?.problems ?? [])];
    if (typeof daemon === 'object' && daemon !== null && 'reachable' in daemon) {
      problems.push({ code: 'DAEMON_UNREACHABLE', message: `the daemon does not answer on ${socket}` });
    }
    const lost = (daemon as { recovery?: { lost?: number } | null }).recovery?.lost ?? 0;
    if (lost > 0) {
      problems.push({
        code: 'RECORDS_LOST',
        message: `${lost} record(s) left retention before forwarding recovered (an outage longer than retention_window, or retention_bytes too small): verify on the collector names them`,
      });
    }
    const human = [
      ...flatten({ daemon }, '', []),
      ...(system === null
        ? []
        : flatten({ system: { ...system, problems: undefined, preflight: system.preflight?.ok } }, '', [])),
      problems.length === 0 ? 'healthy' : 'PROBLEMS:',
      ...problems.map((p) => `  ${p.message} [${p.code}]`),
    ].join('\n');
    makeOutput(args.json).result({ ok: problems.length === 0, daemon, system, problems }, human);
    if (problems.length > 0)
      throw new AuditRelayError('STATUS_PROBLEMS', `${problems.length} problem(s) found`);
  },
};
