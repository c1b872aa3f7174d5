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
import { AuditRelayError } from '../errors/error.js';
import { underRoot } from '../root-path.js';
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

function place(root: string, to: string, written: string[], lastMayBeLink = false): string {
  const target = underRoot(root, to, lastMayBeLink);
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
  const link = place(root, COMMAND.link, written, true);
  rmSync(link, { force: true });
  symlinkSync(COMMAND.target, link);
  const config = underRoot(root, CONFIG_FILE);
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

/** Every path install writes, as the manifest lists them: the only ones uninstall removes. */
function installedPaths(): Set<string> {
  return new Set([
    ...FILES.map((file) => `/${file.to}`),
    ...TREES.map((tree) => `/${PROGRAM_DIR}/${tree}`),
    `/${COMMAND.link}`,
    `/${MANIFEST}`,
  ]);
}

/**
 * Removes what the manifest lists — only lines naming a path install writes (a manifest is a file under
 * the root: `/../outside` once removed a sibling of the root), each resolved inside the root.
 */
export function uninstall(root: string, purge: boolean): UninstallReport {
  const manifest = underRoot(root, MANIFEST);
  const listed = existsSync(manifest)
    ? readFileSync(manifest, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
  const known = installedPaths();
  const foreign = listed.filter((path) => !known.has(path));
  if (foreign.length > 0)
    throw new AuditRelayError(
      'MANIFEST_LINE_INVALID',
      `${manifest} lists ${foreign.length} path(s) install never writes (${foreign
        .slice(0, 3)
        .map((p) => JSON.stringify(p.slice(0, 120)))
        .join(', ')}): nothing was removed`,
    );
  const targets = [
    ...listed.map((path) => underRoot(root, path, path === `/${COMMAND.link}`)),
    underRoot(root, PROGRAM_DIR),
    ...(purge ? [underRoot(root, dirname(CONFIG_FILE))] : []),
  ];
  for (const target of targets) rmSync(target, { recursive: true, force: true });
  return { removed: listed, configRemoved: purge };
}
