/**
 * Temp dirs for tests, removed even when a test fails: every dir made here is removed by its owner's
 * after-hook through `removeTempDir`, and whatever is still registered when the test process exits
 * (a failed assertion before the hook ran, an exception in `before`) is removed by an exit handler.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const owned = new Set<string>();
process.on('exit', () => {
  for (const dir of owned) rmSync(dir, { recursive: true, force: true });
});

/** Makes `/tmp/<prefix>XXXXXX` with `mode` (mkdtemp's 0700 unless given) and registers it for removal. */
export function makeTempDir(prefix: string, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (mode !== 0o700) chmodSync(dir, mode);
  owned.add(dir);
  return dir;
}

/** Removes a dir made by makeTempDir (and anything in it); safe to call twice. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  owned.delete(dir);
}
