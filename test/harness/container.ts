/**
 * A real systemd for the unit tests: a minimal Debian (debootstrap, cached in /var/cache/auditrelay-test)
 * booted with systemd-nspawn, the installed auditrelay bind-mounted in read-only. Commands run inside with
 * nsenter into the container's PID 1. Stopped by the PID we started.
 *
 * Two host details handled here: nspawn refuses to clean up under a /run that is not tmpfs (this machine's
 * is not), so it gets a private tmpfs /run; and nspawn's own seccomp layer blocks NETLINK_AUDIT sockets in
 * every container ("audit is not namespaced"), which SYSTEMD_SECCOMP=0 turns off — the unit's own
 * SystemCallFilter= and RestrictAddressFamilies= still apply to the daemon.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { run, stopChild, waitFor } from './exec.js';
import { withPrivateMounts } from './mount-ns.js';

const CACHE = '/var/cache/auditrelay-test';
/** What the units need: systemd, libaudit for the daemon, libkrb5/GSSAPI for apply's preflight. */
const PACKAGES = 'systemd,systemd-sysv,dbus,libaudit1,libstdc++6,libkrb5-3,libgssapi-krb5-2';
/** The cache is keyed by the package list, so a changed list builds a new root. */
export const ROOTFS = `${CACHE}/rootfs-bookworm-${createHash('sha256').update(PACKAGES).digest('hex').slice(0, 8)}`;

/** Builds the cached root once (~40 s); returns why it cannot, or undefined. */
export async function ensureRootfs(): Promise<string | undefined> {
  if (existsSync(`${ROOTFS}/usr/lib/systemd/systemd`)) return undefined;
  const temp = `${ROOTFS}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  const result = await run(
    'debootstrap',
    ['--variant=minbase', `--include=${PACKAGES}`, 'bookworm', temp, 'http://deb.debian.org/debian'],
    {
      timeoutMs: 600_000,
    },
  );
  if (result.code !== 0) return `debootstrap failed: ${result.stderr.split('\n').slice(-3).join(' ')}`;
  // Roots built for an older package list.
  for (const old of readdirSync(CACHE).filter(
    (n) => n.startsWith('rootfs-bookworm') && `${CACHE}/${n}` !== temp,
  ))
    rmSync(`${CACHE}/${old}`, { recursive: true, force: true });
  renameSync(temp, ROOTFS);
  return undefined;
}

export interface Container {
  /** Runs a command inside (as root, all namespaces of the container's PID 1). */
  exec(args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

export interface BootOptions {
  /** The root to boot: the cached bookworm one (started volatile: it never changes) by default. */
  readonly root?: string;
  /** Shell steps run in the private mount namespace before nspawn (e.g. mounting an overlay as root). */
  readonly mounts?: readonly string[];
  /** Loopback only inside: nothing the container starts can reach any network. */
  readonly privateNetwork?: boolean;
}

export async function bootContainer(
  binds: ReadonlyArray<readonly [string, string]>,
  options: BootOptions = {},
): Promise<Container> {
  const bindArgs = binds.map(([from, to]) => `--bind-ro=${from}:${to}`);
  const nspawn = [
    'systemd-nspawn',
    '-q',
    '-D',
    options.root ?? ROOTFS,
    ...(options.root === undefined ? ['--volatile=overlay'] : []),
    ...(options.privateNetwork === true ? ['--private-network'] : []),
    '--boot',
    '--register=no',
    '--keep-unit',
    // The unit grants the daemon CAP_AUDIT_READ (the tap); nspawn's default bounding set lacks it.
    '--capability=CAP_AUDIT_READ',
    ...bindArgs,
  ];
  const [file = 'unshare', ...args] = withPrivateMounts(
    ['mount -t tmpfs auditrelay-nspawn /run', ...(options.mounts ?? [])],
    nspawn,
  );
  const child: ChildProcess = spawn(file, args, {
    env: { ...process.env, SYSTEMD_SECCOMP: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const init = async () => {
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(child.pid)]);
    return stdout.trim().split('\n')[0]?.trim();
  };
  let pid1 = '';
  const container: Container = {
    exec: (args, input) => run('nsenter', ['-t', pid1, '-a', ...args], input === undefined ? {} : { input }),
    stop: () => stopChild(child, 'SIGTERM', 30_000),
  };
  try {
    pid1 = await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`systemd-nspawn exited (${child.exitCode}): ${stderr}`);
        const pid = await init();
        if (pid === undefined || pid === '') return undefined;
        const state = await run('nsenter', ['-t', pid, '-a', 'systemctl', 'is-system-running']);
        return ['running', 'degraded'].includes(state.stdout.trim()) ? pid : undefined;
      },
      60_000,
      'the container to boot',
    );
  } catch (error) {
    await container.stop();
    throw error;
  }
  return container;
}
