/**
 * A Debian 13 (trixie) root for the tests of the other release we target: made once with debootstrap
 * from the Debian registry this machine uses, cached under /var/cache/auditrelay-test (kept between runs
 * on a machine, never in /tmp), rebuilt when older than a week or made with another package list. Its
 * programs run on the host kernel through chroot — never in a PID namespace of their own, where the
 * kernel's audit refuses daemons.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { chrootSteps } from './chroot.js';
import { withPrivateMounts } from './mount-ns.js';

export const CACHE_DIR = '/var/cache/auditrelay-test';
export const TRIXIE_ROOT = join(CACHE_DIR, 'trixie');

/** What the device needs from trixie: its Node, auditd and audisp-remote, and the libraries we bind. */
export const TRIXIE_PACKAGES = [
  'nodejs',
  'auditd',
  'audispd-plugins',
  'libkrb5-3',
  'libgssapi-krb5-2',
  'libaudit1',
  'libauparse0t64',
  'libsystemd0',
  // To build the npm dependencies there, with trixie's Node (the kerberos addon; node-gyp).
  'g++',
  'make',
  'python3',
  'libkrb5-dev',
  'libnode-dev',
] as const;

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

function fresh(root: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8')) as { packages?: unknown };
    const age = Date.now() - statSync(join(root, STAMP)).mtimeMs;
    const ready = existsSync(join(root, 'etc/krb5.conf'));
    return ready && JSON.stringify(stamp.packages) === JSON.stringify(TRIXIE_PACKAGES) && age < MAX_AGE_MS;
  } catch {
    return false;
  }
}

/**
 * The cached trixie root, made (about a minute) when missing or stale. Built beside its final place and
 * renamed into it, so an interrupted build never leaves a half root that looks ready.
 */
export function debian13Root(): string {
  if (fresh(TRIXIE_ROOT)) return TRIXIE_ROOT;
  mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
  const building = `${TRIXIE_ROOT}.building`;
  rmSync(building, { recursive: true, force: true });
  execFileSync(
    'debootstrap',
    ['--variant=minbase', `--include=${TRIXIE_PACKAGES.join(',')}`, 'trixie', building, mirror()],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15 * 60_000 },
  );
  // A mount point for the lab's krb5.conf (trixie's libkrb5-3 ships none).
  writeFileSync(join(building, 'etc/krb5.conf'), '');
  writeFileSync(
    join(building, STAMP),
    `${JSON.stringify({ packages: TRIXIE_PACKAGES, made: new Date() })}\n`,
  );
  rmSync(TRIXIE_ROOT, { recursive: true, force: true });
  renameSync(building, TRIXIE_ROOT);
  return TRIXIE_ROOT;
}

/** Why a Debian 13 root cannot be had here (a reason to print), or undefined when it can. */
export function whyNoDebian13Root(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, chroot)';
  if (!existsSync('/usr/sbin/debootstrap')) return 'debootstrap is not installed (npm test installs it)';
  return undefined;
}

/**
 * The program's production node_modules, installed by npm ci inside the trixie root with trixie's Node
 * (native addons compiled there), cached per lockfile. npm itself is the host's (JavaScript, run by
 * trixie's node); packages come from the npm registry only (build from source: no prebuilt downloads).
 */
export function debian13NodeModules(repoRoot: string): string {
  const lock = readFileSync(join(repoRoot, 'package-lock.json'));
  const key = createHash('sha256')
    .update(lock)
    .update(readFileSync(join(repoRoot, 'package.json')))
    .digest('hex');
  const cached = join(CACHE_DIR, `trixie-modules-${key.slice(0, 16)}`);
  if (existsSync(join(cached, 'node_modules'))) {
    utimesSync(cached, new Date(), new Date()); // in use: not pruned
    return join(cached, 'node_modules');
  }
  const root = debian13Root();
  const building = `${cached}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  copyFileSync(join(repoRoot, 'package.json'), join(building, 'package.json'));
  copyFileSync(join(repoRoot, 'package-lock.json'), join(building, 'package-lock.json'));
  const npm = dirname(dirname(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())));
  const binds = [
    { host: building, inRoot: '/opt/build', dir: true },
    { host: npm, inRoot: '/opt/npm', dir: true },
  ];
  // The CAs this machine trusts for the registry (it may be reached through a TLS proxy of its own).
  const ca = process.env['NODE_EXTRA_CA_CERTS'] ?? '/etc/ssl/certs/ca-certificates.crt';
  const trust = existsSync(ca);
  if (trust) binds.push({ host: ca, inRoot: '/opt/ca.crt', dir: false });
  const steps = chrootSteps(root, binds);
  const install =
    `cd /opt/build && HOME=/opt/build ${trust ? 'NODE_EXTRA_CA_CERTS=/opt/ca.crt ' : ''}` +
    'npm_config_build_from_source=true npm_config_nodedir=/usr ' +
    '/usr/bin/node /opt/npm/bin/npm-cli.js ci --omit=dev --no-audit --no-fund --loglevel=error';
  const [unshare = 'unshare', ...args] = withPrivateMounts(steps, ['chroot', root, 'sh', '-c', install]);
  execFileSync(unshare, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10 * 60_000,
  });
  renameSync(building, cached);
  pruneModules(cached);
  return join(cached, 'node_modules');
}

/** Module caches of other lockfiles untouched for a day: a checkout that still uses one rebuilds it. */
function pruneModules(keep: string): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    if (!name.startsWith('trixie-modules-') || path === keep) continue;
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
  }
}
