/**
 * The program's production node_modules for Debian 13, per architecture, cached per lockfile under
 * /var/cache/auditrelay-test. npm itself is the host's (JavaScript, run by trixie's node); packages come
 * from the npm registry only (native addons built from source: no prebuilt downloads).
 *
 * - amd64: npm ci inside the trixie root with trixie's Node, the kerberos addon compiled there.
 * - arm64: cross-built in a throwaway copy of the amd64 root (arm64 added as a foreign architecture,
 *   trixie's aarch64 cross compiler and libkrb5-dev:arm64): npm ci for cpu=arm64 with install scripts
 *   skipped — koffi's would test-load its arm64 library in amd64 node and fall back to building with
 *   CMake; it needs none, koffi finds @koromix/koffi-linux-arm64 when loaded — then only the kerberos
 *   addon rebuilt, with the cross compiler: seconds, where a native build under qemu took minutes, with
 *   the same bytes (compared when this way was chosen).
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
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bind } from './chroot.js';
import { type Arch, CACHE_DIR } from './debian13-root.js';
import { ScratchRoot } from './throwaway-root.js';

/** The cross toolchain and target libraries the arm64 build installs into its copy of the amd64 root. */
const CROSS_PACKAGES = ['g++-aarch64-linux-gnu', 'libkrb5-dev:arm64'];

/** Shell lines that make a copy of the amd64 root a cross-build root for arm64 with `packages`. */
export function crossSetup(packages: readonly string[]): string[] {
  return [
    'set -e',
    'export DEBIAN_FRONTEND=noninteractive',
    'dpkg --add-architecture arm64',
    'apt-get update -qq >/dev/null',
    `apt-get install -y -qq --no-install-recommends ${packages.join(' ')} >/dev/null`,
  ];
}

/** Where the node_modules for `arch` of this lockfile are cached (whether or not they are built yet). */
export function modulesCacheDir(repoRoot: string, arch: Arch): string {
  const key = createHash('sha256')
    .update(readFileSync(join(repoRoot, 'package-lock.json')))
    .update(readFileSync(join(repoRoot, 'package.json')))
    .digest('hex')
    .slice(0, 16);
  const name = arch === 'amd64' ? `trixie-modules-${key}` : `trixie-modules-${arch}-${key}`;
  return join(CACHE_DIR, name, 'node_modules');
}

/** The cached node_modules for `arch`, built when the lockfile or package.json changed. */
export function trixieModules(repoRoot: string, arch: Arch = 'amd64'): string {
  const cached = dirname(modulesCacheDir(repoRoot, arch));
  if (existsSync(join(cached, 'node_modules'))) {
    utimesSync(cached, new Date(), new Date()); // in use: not pruned
    return join(cached, 'node_modules');
  }
  mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
  const building = `${cached}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  copyFileSync(join(repoRoot, 'package.json'), join(building, 'package.json'));
  copyFileSync(join(repoRoot, 'package-lock.json'), join(building, 'package-lock.json'));
  const npm = dirname(dirname(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())));
  const binds: Bind[] = [{ host: npm, inRoot: '/opt/npm', dir: true }];
  // The CAs this machine trusts for the registry (it may be reached through a TLS proxy of its own).
  const ca = process.env['NODE_EXTRA_CA_CERTS'] ?? '/etc/ssl/certs/ca-certificates.crt';
  const trust = existsSync(ca);
  if (trust) binds.push({ host: ca, inRoot: '/opt/ca.crt', dir: false });
  const npmRun = (args: string): string =>
    `HOME=/opt/out ${trust ? 'NODE_EXTRA_CA_CERTS=/opt/ca.crt ' : ''}` +
    `/usr/bin/node /opt/npm/bin/npm-cli.js ${args} --no-audit --no-fund --loglevel=error`;
  const fromSource = 'npm_config_build_from_source=true npm_config_nodedir=/usr';
  const script =
    arch === 'amd64'
      ? `cd /opt/out && ${fromSource} ${npmRun('ci --omit=dev')}`
      : [
          ...crossSetup(CROSS_PACKAGES),
          'cd /opt/out',
          'export npm_config_arch=arm64 npm_config_cpu=arm64 npm_config_os=linux npm_config_libc=glibc',
          npmRun('ci --omit=dev --ignore-scripts'),
          `CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar ${fromSource} ${npmRun('rebuild kerberos')}`,
        ].join('\n');
  const scratch = new ScratchRoot('amd64');
  try {
    const { code, output } = scratch.run(building, script, binds);
    if (code !== 0) throw new Error(`trixie node_modules for ${arch}: exit ${code}\n${output}`);
  } finally {
    scratch.remove();
  }
  rmSync(join(building, '.npm'), { recursive: true, force: true }); // npm's cache (HOME=/opt/out)
  renameSync(building, cached);
  pruneModules(cached);
  return join(cached, 'node_modules');
}

/** Module caches of other lockfiles untouched for a day: a checkout that still uses one rebuilds it. */
function pruneModules(keep: string): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    if (!name.startsWith('trixie-modules-') || path === keep || name.endsWith('.building')) continue;
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
  }
}
