/**
 * The config loader, imported when a command first needs it: zod and the schema cost ~60 ms of start-up
 * that `emit --socket`, `--help` and `--version` should not pay.
 */
import type { Config } from '../config/schema.js';
import { AuditRelayError } from '../errors/error.js';

export async function loadConfigFile(file: string): Promise<Config> {
  const { loadConfig } = await import('../config/load.js');
  return loadConfig(file);
}

/** The config and its [forwarding] section, for the commands that need one (CONFIG_NO_FORWARDING). */
export async function loadForwardingConfig(
  file: string,
): Promise<{ config: Config; forwarding: NonNullable<Config['forwarding']> }> {
  const config = await loadConfigFile(file);
  if (config.forwarding === undefined)
    throw new AuditRelayError('CONFIG_NO_FORWARDING', 'The config has no [forwarding] section');
  return { config, forwarding: config.forwarding };
}
