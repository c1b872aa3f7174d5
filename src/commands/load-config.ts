/**
 * The config loader, imported when a command first needs it: zod and the schema cost ~60 ms of start-up
 * that `emit --socket`, `--help` and `--version` should not pay.
 */
import type { Config } from '../config/schema.js';

export async function loadConfigFile(file: string): Promise<Config> {
  const { loadConfig } = await import('../config/load.js');
  return loadConfig(file);
}
