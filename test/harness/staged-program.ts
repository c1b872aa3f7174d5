/**
 * The built program, staged for a test that runs it as another user (nobody). The checkout may live under
 * a directory that user cannot enter (/root is 0700 on Debian, and so is a `mktemp -d` dir), so the test
 * must not run it from there, and must not chmod the checkout's parents either. Instead: a fresh temp dir
 * (0755 under /tmp, so every parent is traversable) gets what an installed program has — dist/src,
 * dist/native, package.json and the production dependencies named by the lockfile — readable by all.
 * It is the same layout `auditrelay install` lays out, so the test also proves the program runs from it.
 */
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './exec.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface StagedProgram {
  readonly dir: string;
  /** The staged `auditrelay` entry point (dist/src/cli.js). */
  readonly cli: string;
  remove(): void;
}

interface LockEntry {
  readonly dev?: boolean;
  readonly optional?: boolean;
}

/**
 * Top-level node_modules entries the program needs at run time (lockfile v3 marks dev-only ones); optional
 * ones npm did not install (koffi's prebuilt binaries for other platforms) are left out.
 */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true)
    .filter(([path, entry]) => entry.optional !== true || existsSync(join(REPO_ROOT, path)))
    .map(([path]) => path)
    .filter((path) => !path.slice('node_modules/'.length).includes('/node_modules/'));
}

/** chmod a+rX, recursively: the copy is readable whatever umask the checkout was made with. */
function openToAll(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | (stat.isDirectory() || stat.mode & 0o111 ? 0o555 : 0o444));
  if (stat.isDirectory()) for (const entry of readdirSync(path)) openToAll(join(path, entry));
}

/**
 * Copies the program into a traversable temp dir; call `remove()` in an after-hook. `nodeModules`: a
 * node_modules built elsewhere (another release's, with its Node) instead of this checkout's.
 */
export function stageProgram(nodeModules?: string): StagedProgram {
  const dir = makeTempDir('auditrelay-stage-', 0o755);
  const own = nodeModules === undefined ? productionPackages() : [];
  for (const path of ['package.json', 'dist/src', 'dist/native', ...own]) {
    cpSync(join(REPO_ROOT, path), join(dir, path), { recursive: true });
  }
  if (nodeModules !== undefined) cpSync(nodeModules, join(dir, 'node_modules'), { recursive: true });
  openToAll(dir);
  return { dir, cli: join(dir, 'dist/src/cli.js'), remove: () => removeTempDir(dir) };
}
