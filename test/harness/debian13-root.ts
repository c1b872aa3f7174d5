/**
 * Debian 13 (trixie) roots for the tests of the other release we target and of the arm64 package: made
 * once from the Debian registry this machine uses, cached under /var/cache/auditrelay-test (kept between
 * runs on a machine, never in /tmp), rebuilt when older than a week or made with another package list.
 * The amd64 root comes from debootstrap; the arm64 one from mmdebstrap, whose foreign second stage runs
 * under qemu-user (debootstrap's takes four times longer). Their programs run on the host kernel through
 * chroot — never in a PID namespace of their own, where the kernel's audit refuses daemons.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withArm64Emulation } from './emulation.js';

export const CACHE_DIR = '/var/cache/auditrelay-test';
export const TRIXIE_ROOT = join(CACHE_DIR, 'trixie');
export const TRIXIE_ARM64_ROOT = join(CACHE_DIR, 'trixie-arm64');

/** The architectures the package is built for: this machine's, and the boards'. */
export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

/** What a device needs from trixie: its Node, auditd and audisp-remote, and the libraries we bind. */
const DEVICE_PACKAGES = [
  'nodejs',
  'auditd',
  'audispd-plugins',
  'libkrb5-3',
  'libgssapi-krb5-2',
  'libaudit1',
  'libauparse0t64',
  'libsystemd0',
] as const;

/** The amd64 root: a device's packages, and what builds the npm dependencies there with trixie's Node. */
export const TRIXIE_PACKAGES = [
  ...DEVICE_PACKAGES,
  // The kerberos addon (node-gyp); also the cross build's base (trixie-modules.ts).
  'g++',
  'make',
  'python3',
  'libkrb5-dev',
  'libnode-dev',
] as const;

/**
 * The arm64 root: a device's packages, installed beforehand so each test does not emulate their maintainer
 * scripts again (the package's own install still resolves them from the registry). auditd is installed
 * but never started: it cannot run under qemu-user.
 */
export const TRIXIE_ARM64_PACKAGES = DEVICE_PACKAGES;

const STAMP = '.auditrelay-root.json';
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** The Debian mirror apt uses here (deb822 sources or sources.list); Debian's own by default. */
function mirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    try {
      const text = readFileSync(file, 'utf8');
      const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(text)?.[1];
      if (uri !== undefined) return uri;
    } catch {
      // Not this file.
    }
  }
  return 'http://deb.debian.org/debian';
}

function fresh(root: string, packages: readonly string[]): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8')) as { packages?: unknown };
    const age = Date.now() - statSync(join(root, STAMP)).mtimeMs;
    const ready = existsSync(join(root, 'etc/krb5.conf'));
    return ready && JSON.stringify(stamp.packages) === JSON.stringify(packages) && age < MAX_AGE_MS;
  } catch {
    return false;
  }
}

/**
 * The cached trixie root, made (about a minute) when missing or stale. Built beside its final place and
 * renamed into it, so an interrupted build never leaves a half root that looks ready.
 */
export function debian13Root(arch: Arch = 'amd64'): string {
  const [root, packages] =
    arch === 'amd64' ? [TRIXIE_ROOT, TRIXIE_PACKAGES] : [TRIXIE_ARM64_ROOT, TRIXIE_ARM64_PACKAGES];
  if (fresh(root, packages)) return root;
  mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
  const building = `${root}.building`;
  rmSync(building, { recursive: true, force: true });
  const args = ['--variant=minbase', `--include=${packages.join(',')}`, 'trixie', building, mirror()];
  const [file = 'debootstrap', ...argv] =
    arch === 'amd64'
      ? ['debootstrap', ...args]
      : withArm64Emulation([], ['mmdebstrap', '--quiet', '--architectures=arm64', ...args]);
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
  // A mount point for the lab's krb5.conf (trixie's libkrb5-3 ships none).
  writeFileSync(join(building, 'etc/krb5.conf'), '');
  writeFileSync(join(building, STAMP), `${JSON.stringify({ packages, made: new Date() })}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(building, root);
  return root;
}

/** Why a Debian 13 root cannot be had here (a reason to print), or undefined when it can. */
export function whyNoDebian13Root(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, chroot)';
  if (!existsSync('/usr/sbin/debootstrap')) return 'debootstrap is not installed (npm test installs it)';
  return undefined;
}
