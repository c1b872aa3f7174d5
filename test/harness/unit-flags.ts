/**
 * The V8 and Node options auditrelay.service passes to node (its ExecStart, between the interpreter and
 * the entry point): the bench runs the daemon with them, and a test checks this Node accepts them.
 */
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './exec.js';

export function unitNodeFlags(): string[] {
  // For comparing in the bench: BENCH_NODE_FLAGS (even empty) replaces the unit's.
  const override = process.env['BENCH_NODE_FLAGS'];
  if (override !== undefined) return override.split(/\s+/).filter((w) => w !== '');
  const unit = readFileSync(`${REPO_ROOT}systemd/auditrelay.service`, 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  const words = exec.split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('/cli.js'));
  return words.slice(1, script).filter((w) => w.startsWith('--'));
}
