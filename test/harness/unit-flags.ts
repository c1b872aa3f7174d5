/**
 * The V8 and Node options auditrelay.service passes to node (its ExecStart, between the interpreter and
 * the entry point): the bench runs the daemon with them, and a test checks this Node accepts them.
 */

/** The bench's: BENCH_NODE_FLAGS (even empty) replaces the unit's, to compare. */
export function benchNodeFlags(): string[] {
  const override = process.env['BENCH_NODE_FLAGS'];
  return override === undefined ? unitNodeFlags() : override.split(/\s+/).filter((w) => w !== '');
}

import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './exec.js';

export function unitNodeFlags(): string[] {
  const unit = readFileSync(`${REPO_ROOT}systemd/auditrelay.service`, 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  const words = exec.split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('/cli.js'));
  return words.slice(1, script).filter((w) => w.startsWith('--'));
}
