/**
 * `auditrelay status [--config FILE] [--socket PATH] [--root DIR] [--json]`: the running daemon's counters
 * (over its socket) and, as root, the health of forwarding: kernel audit, auditd and audisp-remote, drift
 * of the managed files, storage leaks, the Kerberos preflight. Exits 0 when healthy, 69 when a problem was
 * found (each named by a stable code).
 */
import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { health } from '../status/health.js';
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
    const { ok, daemon, system, problems } = await health(config, socket, args.root);
    const human = [
      ...flatten({ daemon }, '', []),
      ...(system === null
        ? []
        : flatten({ system: { ...system, problems: undefined, preflight: system.preflight?.ok } }, '', [])),
      problems.length === 0 ? 'healthy' : 'PROBLEMS:',
      ...problems.map((p) => `  ${p.message} [${p.code}]`),
    ].join('\n');
    makeOutput(args.json).result({ ok, daemon, system, problems }, human);
    if (problems.length > 0)
      throw new AuditRelayError('STATUS_PROBLEMS', `${problems.length} problem(s) found`);
  },
};
