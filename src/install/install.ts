/**
 * `auditrelay install --root DIR` lays out an installed auditrelay (see layout.ts) and records every path it
 * wrote in a manifest; `uninstall` removes exactly those (the config only with --purge). The example config
 * is never overwritten. Test files and development dependencies are not installed.
 */
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { COMMAND, CONFIG_FILE, FILES, MANIFEST, PROGRAM_DIR, TREES } from './layout.js';

export interface InstallReport {
  readonly root: string;
  readonly written: readonly string[];
  readonly configKept: boolean;
}

const SOURCE = new URL('../../../', import.meta.url).pathname;

/** Removes every package the lockfile marks as development-only (offline; `npm prune` keeps a copied tree). */
function pruneDevDependencies(dir: string): void {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { dev?: boolean }>;
  };
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path.startsWith('node_modules/') && entry.dev === true)
      rmSync(join(dir, path), { recursive: true, force: true });
  }
  for (const scope of readdirSync(join(dir, 'node_modules')).filter((n) => n.startsWith('@'))) {
    if (readdirSync(join(dir, 'node_modules', scope)).length === 0)
      rmSync(join(dir, 'node_modules', scope), { recursive: true });
  }
}

function place(root: string, to: string, written: string[]): string {
  const target = join(root, to);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  written.push(`/${to}`);
  return target;
}

export function install(root: string): InstallReport {
  const written: string[] = [];
  for (const file of FILES) {
    const target = place(root, file.to, written);
    copyFileSync(join(SOURCE, file.from), target);
    chmodSync(target, file.mode);
  }
  for (const tree of TREES) {
    if (!existsSync(join(SOURCE, tree))) continue;
    cpSync(join(SOURCE, tree), place(root, `${PROGRAM_DIR}/${tree}`, written), {
      recursive: true,
      dereference: true,
    });
  }
  pruneDevDependencies(join(root, PROGRAM_DIR));
  chmodSync(join(root, PROGRAM_DIR, 'dist/src/cli.js'), 0o755);
  const link = place(root, COMMAND.link, written);
  rmSync(link, { force: true });
  symlinkSync(COMMAND.target, link);
  const config = join(root, CONFIG_FILE);
  const configKept = existsSync(config);
  if (!configKept) {
    mkdirSync(dirname(config), { recursive: true, mode: 0o755 });
    copyFileSync(join(SOURCE, 'config/auditrelay.toml'), config);
    chmodSync(config, 0o644);
  }
  writeFileSync(place(root, MANIFEST, written), `${written.join('\n')}\n`);
  return { root, written, configKept };
}

export interface UninstallReport {
  readonly removed: readonly string[];
  readonly configRemoved: boolean;
}

export function uninstall(root: string, purge: boolean): UninstallReport {
  const manifest = join(root, MANIFEST);
  const listed = existsSync(manifest)
    ? readFileSync(manifest, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
  for (const path of listed) rmSync(join(root, path), { recursive: true, force: true });
  rmSync(join(root, PROGRAM_DIR), { recursive: true, force: true });
  if (purge) rmSync(join(root, dirname(CONFIG_FILE)), { recursive: true, force: true });
  return { removed: listed, configRemoved: purge };
}
