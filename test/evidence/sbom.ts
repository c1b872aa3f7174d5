/**
 * The software bill of materials of a deployed device (CycloneDX 1.5 JSON): auditrelay, its npm runtime
 * dependencies (`pkg:npm/…`, from @cyclonedx/cyclonedx-npm), the native binaries they ship or build
 * (koffi's prebuilt library, the kerberos addon), the Node runtime, and the Debian packages it relies on as
 * `pkg:deb/debian/<binary>@<version>?arch=…&distro=…` plus their source packages (`arch=source`), which is
 * how vulnerability databases index Debian advisories — for Debian 12 (amd64) and 13 (amd64, and arm64 for
 * the boards) — and the Debian 13 packages for both architectures, with the arm64 package's native
 * binaries (koffi's arm64 library, the cross-built kerberos addon) when the tests have built them.
 * Deterministic but for the serial number the format requires to be unique.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, TRIXIE_ARM64_ROOT, TRIXIE_ROOT } from '../harness/debian13-root.js';
import { REPO_ROOT } from '../harness/exec.js';
import { modulesCacheDir } from '../harness/trixie-modules.js';

export const DEBIAN_PACKAGES = [
  'auditd',
  'audispd-plugins',
  'libaudit1',
  'libkrb5-3',
  'libgssapi-krb5-2',
  'nodejs',
];
const NATIVE_FILES = [
  'node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node',
  'node_modules/kerberos/build/Release/kerberos.node',
];
/** The same for the arm64 package, in the cross-built node_modules (as shipped: before stripping). */
const ARM64_NATIVE_FILES = [
  '@koromix/koffi-linux-arm64/linux_arm64/koffi.node',
  'kerberos/build/Release/kerberos.node',
];

interface Component {
  type: 'library' | 'application' | 'file' | 'platform';
  'bom-ref': string;
  name: string;
  version?: string;
  purl?: string;
  licenses?: Array<{ expression: string }>;
  hashes?: Array<{ alg: string; content: string }>;
  description?: string;
}

/** pkg:npm/%40scope/name@version, per the PURL spec (the @ of a scope is percent-encoded). */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${encodeURIComponent(version)}`;
}

/** pkg:deb/debian/name@version?arch=…&distro=… (the epoch's `:` percent-encoded). */
export function debPurl(name: string, version: string, arch: string, distro: string): string {
  return `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=${arch}&distro=${distro}`;
}

/**
 * The npm runtime dependencies as CycloneDX's own tool reads them from the lockfile and node_modules
 * (@cyclonedx/cyclonedx-npm: PURLs, licenses, hashes), development dependencies left out.
 */
function npmComponents(): Array<Record<string, unknown>> {
  const cli = join(REPO_ROOT, 'node_modules/@cyclonedx/cyclonedx-npm/bin/cyclonedx-npm-cli.js');
  const args = ['--omit', 'dev', '--output-format', 'JSON', '--spec-version', '1.5', '--output-reproducible'];
  const text = execFileSync(process.execPath, [cli, ...args, '--output-file', '-'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const components = (JSON.parse(text) as { components?: Array<Record<string, unknown>> }).components ?? [];
  // It leaves hashes out here; the lockfile has each package's integrity (SHA-512): add it.
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string }>;
  };
  const integrity = new Map<string, string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice(path.lastIndexOf('node_modules/') + 13);
    if (entry.integrity?.startsWith('sha512-'))
      integrity.set(`${name}@${entry.version}`, entry.integrity.slice(7));
  }
  return components.map((c) => {
    const name =
      typeof c['group'] === 'string' && c['group'] !== '' ? `${c['group']}/${c['name']}` : c['name'];
    const b64 = integrity.get(`${String(name)}@${String(c['version'])}`);
    if (c['hashes'] !== undefined || b64 === undefined) return c;
    return { ...c, hashes: [{ alg: 'SHA-512', content: Buffer.from(b64, 'base64').toString('hex') }] };
  });
}

function fileComponent(path: string, name: string, description: string): Component {
  return {
    type: 'file',
    'bom-ref': `file:${name}`,
    name,
    hashes: [{ alg: 'SHA-256', content: createHash('sha256').update(readFileSync(path)).digest('hex') }],
    description,
  };
}

function fileComponents(): Component[] {
  const host = NATIVE_FILES.filter((f) => existsSync(join(REPO_ROOT, f))).map((file) =>
    fileComponent(
      join(REPO_ROOT, file),
      file,
      file.includes('koffi')
        ? 'prebuilt native library shipped in @koromix/koffi-linux-x64'
        : 'native addon built from the kerberos package source',
    ),
  );
  const arm64 = modulesCacheDir(REPO_ROOT, 'arm64');
  const cross = ARM64_NATIVE_FILES.filter((f) => existsSync(join(arm64, f))).map((file) =>
    fileComponent(
      join(arm64, file),
      `arm64:node_modules/${file}`,
      file.includes('koffi')
        ? 'prebuilt native library shipped in @koromix/koffi-linux-arm64 (the arm64 package; stripped there)'
        : 'native addon cross-built for arm64 from the kerberos package source (the arm64 package; stripped there)',
    ),
  );
  return [...host, ...cross];
}

/** The Debian packages of one release (its root: '/' or the cached trixie root), binary and source. */
function debianComponents(root: string): Component[] {
  const osRelease = readFileSync(join(root, 'etc/os-release'), 'utf8');
  const distro = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1] ?? 'unknown';
  let rows: string;
  try {
    rows = execFileSync(
      'dpkg-query',
      [
        `--admindir=${join(root, 'var/lib/dpkg')}`,
        '-W',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not a template
        '-f=${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\n',
        ...DEBIAN_PACKAGES,
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
  } catch (error) {
    rows = String((error as { stdout?: string }).stdout ?? '');
  }
  const out = new Map<string, Component>();
  for (const line of rows
    .trim()
    .split('\n')
    .filter((l) => l !== '')) {
    const [name = '', version = '', arch = '', source = '', sourceVersion = ''] = line.split('\t');
    const binary = debPurl(name, version, arch, distro);
    out.set(binary, { type: 'library', 'bom-ref': binary, name, version, purl: binary });
    const src = debPurl(source, sourceVersion, 'source', distro);
    out.set(src, {
      type: 'library',
      'bom-ref': src,
      name: source,
      version: sourceVersion,
      purl: src,
      description: 'Debian source package',
    });
  }
  return [...out.values()].sort((a, b) => a['bom-ref'].localeCompare(b['bom-ref']));
}

export function makeSbom(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
  const self = npmPurl('auditrelay', pkg.version);
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      component: {
        type: 'application',
        'bom-ref': self,
        name: 'auditrelay',
        version: pkg.version,
        purl: self,
        licenses: [{ expression: pkg.license }],
      },
      tools: {
        components: [
          { type: 'application', name: 'auditrelay test/evidence/sbom.ts', version: pkg.version },
          { type: 'application', name: '@cyclonedx/cyclonedx-npm', description: 'the npm components' },
        ],
      },
    },
    components: [
      ...npmComponents(),
      ...fileComponents(),
      {
        type: 'platform',
        'bom-ref': `node@${process.version}`,
        name: 'node',
        version: process.version.slice(1),
        description: 'the Node.js runtime the daemon runs on',
      },
      ...debianComponents('/'),
      // Debian 13, as the tests' trixie roots have it (npm test makes them; absent, left out).
      // (Their source packages are one component for both architectures.)
      ...new Map(
        [TRIXIE_ROOT, TRIXIE_ARM64_ROOT]
          .flatMap((root) => (existsSync(join(root, 'var/lib/dpkg/status')) ? debianComponents(root) : []))
          .map((c) => [c['bom-ref'], c] as const),
      ).values(),
      ...ARCHES.map(
        (arch): Component => ({
          type: 'application',
          'bom-ref': debPurl('auditrelay', pkg.version, arch, 'trixie'),
          name: 'auditrelay',
          version: pkg.version,
          purl: debPurl('auditrelay', pkg.version, arch, 'trixie'),
          description: `the Debian 13 package \`npm run deb -- --arch ${arch}\` builds`,
        }),
      ),
    ],
  };
}
