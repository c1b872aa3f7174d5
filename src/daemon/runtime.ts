/**
 * A configuration made ready to run: the policy compiled and the socket group resolved. Preparing it is the
 * whole validation a reload does before it touches anything: on any problem nothing changes.
 */
import type { TypeTable } from '../audit/event-types.js';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { type Config, RELOADABLE_DAEMON_KEYS } from '../config/schema.js';
import type { Accounts } from './accounts.js';
import { compilePolicy, type Policy } from './policy.js';

export interface Runtime {
  readonly file: string;
  readonly config: Config;
  readonly policy: Policy;
  readonly socketGid: number | undefined;
}

export function prepareRuntime(file: string, config: Config, accounts: Accounts, types: TypeTable): Runtime {
  const problems: ConfigProblem[] = [];
  const policy = compilePolicy(config.clients, accounts, types, problems);
  const group = config.daemon.socket_group;
  const socketGid = group === undefined ? undefined : accounts.gidOf(group);
  if (group !== undefined && socketGid === undefined) {
    problems.push({ path: 'daemon.socket_group', message: `unknown group ${JSON.stringify(group)}` });
  }
  if (problems.length > 0) throw new ConfigError('CONFIG_INVALID', file, problems);
  return { file, config, policy, socketGid };
}

/**
 * Changed keys a SIGHUP cannot apply, named in a warning: every `[daemon]` key the schema does not mark
 * reloadable (they shape the socket or the process), and of `[forwarding]` what the daemon's monitor was
 * built with (its presence, the port). The rest of `[forwarding]` and `[auditd]` is apply's.
 */
export function restartOnlyChanges(before: Config, after: Config): string[] {
  // Both sides: an optional key (socket_group) may be set in one file only.
  const all = new Set([...Object.keys(before.daemon), ...Object.keys(after.daemon)]);
  const keys = ([...all] as Array<keyof Config['daemon']>).filter((k) => !RELOADABLE_DAEMON_KEYS.has(k));
  const changed = keys.filter((k) => before.daemon[k] !== after.daemon[k]).map((k) => `daemon.${k}`);
  if ((before.forwarding === undefined) !== (after.forwarding === undefined)) changed.push('[forwarding]');
  else if (before.forwarding?.port !== after.forwarding?.port) changed.push('forwarding.port');
  return changed;
}
