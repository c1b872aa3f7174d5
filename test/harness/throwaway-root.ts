/**
 * A throwaway copy of a cached trixie root (amd64, or arm64 run under qemu-user): an overlay whose upper
 * layer lives in a temp dir under /var/tmp (the cache never changes), mounted only inside the private
 * mount namespaces of the commands run on it. The upper layer survives between commands, so one can
 * install and a later one boot what was installed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Bind, chrootSteps } from './chroot.js';
import { type Arch, debian13Root } from './debian13-root.js';
import { withArm64Emulation } from './emulation.js';
import { privateMountShell } from './mount-ns.js';

export interface RootRun {
  readonly code: number;
  readonly output: string;
}

export class ScratchRoot {
  readonly dir: string;
  readonly merged: string;
  private readonly lower: string;

  constructor(readonly arch: Arch = 'amd64') {
    this.lower = debian13Root(arch);
    this.dir = execFileSync('mktemp', ['-d', '/var/tmp/auditrelay-scratch-XXXXXX'], {
      encoding: 'utf8',
    }).trim();
    this.merged = join(this.dir, 'merged');
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(this.dir, d));
  }

  /** The shell step that mounts the overlay at `merged` (for a private mount namespace). */
  mountStep(): string {
    const d = this.dir;
    return `mount -t overlay auditrelay-scratch -o lowerdir=${this.lower},upperdir=${d}/upper,workdir=${d}/work ${this.merged}`;
  }

  /** A file of the copy, written from the host before it is used (its upper layer). */
  writeFile(path: string, content: string, mode = 0o644): void {
    const at = join(this.dir, 'upper', path);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, content);
    chmodSync(at, mode);
  }

  /** A symlink in the copy (e.g. a unit masked: `/dev/null`). */
  symlink(path: string, target: string): void {
    const at = join(this.dir, 'upper', path);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at);
  }

  /**
   * Runs `script` as root through chroot, with `shared` at /opt/out (and `binds`); returns its exit code
   * and output. An arm64 copy runs under qemu-user, registered for this command only.
   */
  run(shared: string, script: string, binds: readonly Bind[] = []): RootRun {
    const mounts = [
      this.mountStep(),
      ...chrootSteps(this.merged, [{ host: shared, inRoot: '/opt/out', dir: true }, ...binds]),
    ];
    const [file = 'unshare', ...args] =
      this.arch === 'amd64'
        ? privateMountShell([...mounts, `exec chroot ${this.merged} sh -c "$0"`].join(' && '), [script])
        : withArm64Emulation(mounts, ['chroot', this.merged, 'sh', '-c', script]);
    try {
      const output = execFileSync(file, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 15 * 60_000,
        // The host's extra CAs are no file inside the root: a command that needs them is given them.
        env: { ...process.env, NODE_EXTRA_CA_CERTS: undefined },
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, output };
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `script` as root in a throwaway copy of the `arch` root, with `dir` at /opt/out. */
export function inScratchRoot(dir: string, script: string, arch: Arch = 'amd64'): RootRun {
  const scratch = new ScratchRoot(arch);
  try {
    return scratch.run(dir, script);
  } finally {
    scratch.remove();
  }
}
