/**
 * docs/configuration.md, generated from the config schema (the only source of keys, types, defaults and
 * meanings). A unit test fails when the committed file is stale; `npm run evidence` rewrites it.
 */
import { z } from 'zod';
import { configSchema, RELOAD_MARK } from '../../src/config/schema.js';

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

const DEFAULTS: unknown = configSchema.parse({ forwarding: { collector: 'collector.example.com' } });

function at(path: readonly string[]): unknown {
  let value: unknown = DEFAULTS;
  for (const key of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function duration(ms: number): string {
  if (ms === 0) return '"0s"';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `"${ms / size}${unit}"`;
  return `"${ms}ms"`;
}

function typeOf(s: JsonSchema, def: unknown): string {
  if (s.type === 'string' && typeof def === 'number') return 'duration';
  if (s.type === 'array')
    return `array of ${s.items?.type ?? (s.items?.anyOf ?? []).map((a) => a.type).join(' or ')}`;
  return s.enum === undefined ? (s.type ?? (s.anyOf ?? []).map((a) => a.type).join(' or ')) : 'enum';
}

function shown(def: unknown, type: string): string {
  if (def === undefined) return '—';
  if (type === 'duration' && typeof def === 'number') return `\`${duration(def)}\``;
  return `\`${JSON.stringify(def)}\``;
}

function constraints(s: JsonSchema): string {
  const out: string[] = [];
  if (s.enum !== undefined) out.push(`one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (s.minimum !== undefined || s.maximum !== undefined) out.push(`${s.minimum ?? '…'}–${s.maximum ?? '…'}`);
  if (s.pattern !== undefined) out.push(`pattern \`${s.pattern.replaceAll('|', '\\|')}\``);
  if (s.minItems !== undefined) out.push(`at least ${s.minItems}`);
  return out.join('; ');
}

function rows(section: JsonSchema, path: string[]): string[] {
  return Object.entries(section.properties ?? {}).map(([key, s]) => {
    const def = at([...path, key]);
    const type = typeOf(s, def);
    const text = (s.description ?? '').replace(RELOAD_MARK, '');
    const reload = (s.description ?? '').startsWith(RELOAD_MARK) ? 'yes' : '';
    const extra = constraints(s);
    return `| \`${key}\` | ${type} | ${shown(def, type)} | ${reload} | ${text}${extra === '' ? '' : ` (${extra})`} |`;
  });
}

const HEAD = '| key | type | default | SIGHUP | meaning |\n|---|---|---|---|---|';

export function configReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const top = schema.properties ?? {};
  const section = (name: string, s: JsonSchema | undefined, path: string[]) =>
    [`## \`[${name}]\``, '', s?.description ?? '', '', HEAD, ...rows(s ?? {}, path), ''].join('\n');
  return [
    '# auditrelay configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts and src/forwarding/schema.ts by `npm run evidence`; a test fails when it is stale. -->',
    '',
    'One TOML file, `/etc/auditrelay/auditrelay.toml`. Unknown keys are refused; a bad file is rejected whole with every',
    'problem listed by key path. Durations are strings such as `"500ms"`, `"60s"`, `"5m"`, `"1h"`. Keys marked SIGHUP take',
    'effect on `systemctl reload auditrelay`; the others on restart (apply keys: on the next `auditrelay apply`).',
    'The commented example is [config/auditrelay.toml](../config/auditrelay.toml).',
    '',
    section('daemon', top['daemon'], ['daemon']),
    section('[clients]', top['clients']?.items, ['clients', '0']),
    section('forwarding', top['forwarding'], ['forwarding']),
    section('auditd', top['auditd'], ['auditd']),
  ].join('\n');
}
