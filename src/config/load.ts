/**
 * Loading the config: `parseConfig(text, file)` is pure (TOML → schema → Config, every problem reported at
 * once with its key path); `loadConfig(file)` reads the file first. Nothing is applied here.
 */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { type Config, configSchema } from './schema.js';

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') ||
    '(root)'
  );
}

/** Parses and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file: string): Config {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const where = `line ${error.line}, column ${error.column}`;
    const message = error.message.split('\n')[0] ?? 'syntax error';
    throw new ConfigError('CONFIG_SYNTAX', file, [{ path: where, message }], { cause: error });
  }
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = result.error.issues.map((issue) => ({
    path: pathOf(issue.path),
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown key(s): ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue.message,
  }));
  throw new ConfigError('CONFIG_INVALID', file, problems);
}

/** Reads and validates a config file; throws ConfigError (CONFIG_UNREADABLE when it cannot be read). */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('CONFIG_UNREADABLE', file, [{ path: '(file)', message: reason }], { cause: error });
  }
  return parseConfig(text, file);
}
