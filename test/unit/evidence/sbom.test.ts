import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { debPurl, makeSbom, npmPurl } from '../../evidence/sbom.js';
import { TRIXIE_ARM64_ROOT, TRIXIE_ROOT } from '../../harness/debian13-root.js';
import { REPO_ROOT } from '../../harness/exec.js';
import { modulesCacheDir } from '../../harness/trixie-modules.js';

interface Component {
  type: string;
  name: string;
  purl?: string;
  hashes?: Array<{ alg: string; content: string }>;
}

describe('the SBOM', () => {
  const sbom = makeSbom() as {
    bomFormat: string;
    specVersion: string;
    serialNumber: string;
    components: Component[];
  };

  it('is a CycloneDX 1.5 document with unique component references', () => {
    assert.equal(sbom.bomFormat, 'CycloneDX');
    assert.equal(sbom.specVersion, '1.5');
    assert.match(sbom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    const refs = sbom.components.map((c) => (c as { 'bom-ref'?: string })['bom-ref']);
    assert.equal(new Set(refs).size, refs.length);
  });

  it('names the npm runtime dependencies with PURLs and hashes, and no development ones', () => {
    const npm = sbom.components.filter((c) => c.purl?.startsWith('pkg:npm/'));
    for (const c of npm)
      assert.match(c.purl ?? '', /^pkg:npm\/(%40[a-z0-9._-]+\/)?[a-z0-9._-]+@[0-9][^@?#]*$/);
    for (const name of ['koffi', 'kerberos', 'yargs', 'winston', 'zod', 'smol-toml'])
      assert.ok(
        npm.some((c) => c.name === name),
        name,
      );
    for (const dev of ['typescript', '@biomejs/biome', 'fast-check'])
      assert.ok(!npm.some((c) => c.name === dev), dev);
    assert.ok(npm.every((c) => c.hashes?.[0]?.alg === 'SHA-512'));
  });

  it('names the native binaries and the Node runtime', () => {
    assert.ok(
      sbom.components.some(
        (c) =>
          c.type === 'file' &&
          c.name.endsWith('koffi.node') &&
          /^[0-9a-f]{64}$/.test(c.hashes?.[0]?.content ?? ''),
      ),
    );
    assert.ok(sbom.components.some((c) => c.type === 'platform' && c.name === 'node'));
  });

  it('names the Debian binary packages and their source packages', () => {
    const deb = sbom.components.filter((c) => c.purl?.startsWith('pkg:deb/'));
    for (const c of deb)
      assert.match(c.purl ?? '', /^pkg:deb\/debian\/[a-z0-9.+-]+@[^?]+\?arch=[a-z0-9]+&distro=[a-z]+$/);
    for (const name of ['auditd', 'libaudit1', 'libkrb5-3'])
      assert.ok(
        deb.some((c) => c.name === name && !c.purl?.includes('arch=source')),
        name,
      );
    for (const source of ['audit', 'krb5'])
      assert.ok(
        deb.some((c) => c.name === source && c.purl?.includes('arch=source')),
        source,
      );
    assert.equal(
      debPurl('auditd', '1:3.0.9-1', 'amd64', 'bookworm'),
      'pkg:deb/debian/auditd@1%3A3.0.9-1?arch=amd64&distro=bookworm',
    );
    assert.equal(npmPurl('@koromix/koffi-linux-x64', '3.3.4'), 'pkg:npm/%40koromix/koffi-linux-x64@3.3.4');
  });

  it('names Debian 13 too (when the tests made its root), and the Debian 13 package itself', () => {
    const trixie = sbom.components.filter((c) => c.purl?.includes('distro=trixie'));
    assert.ok(
      trixie.some((c) => c.name === 'auditrelay' && c.purl?.includes('arch=amd64')),
      'the package',
    );
    if (!existsSync(join(TRIXIE_ROOT, 'var/lib/dpkg/status'))) return;
    for (const name of ['auditd', 'libaudit1', 'libkrb5-3', 'nodejs', 'audit', 'krb5'])
      assert.ok(
        trixie.some((c) => c.name === name),
        `${name} of Debian 13`,
      );
  });

  it('names the arm64 package, and Debian 13 for arm64 and the arm64 binaries when the tests made them', () => {
    const arm64 = sbom.components.filter((c) => c.purl?.includes('arch=arm64'));
    assert.ok(
      arm64.some((c) => c.name === 'auditrelay' && c.purl?.includes('distro=trixie')),
      'the arm64 package',
    );
    if (existsSync(join(TRIXIE_ARM64_ROOT, 'var/lib/dpkg/status')))
      for (const name of ['auditd', 'libaudit1', 'libkrb5-3', 'libgssapi-krb5-2', 'nodejs'])
        assert.ok(
          arm64.some((c) => c.name === name),
          `${name} of Debian 13 for arm64`,
        );
    if (existsSync(modulesCacheDir(REPO_ROOT, 'arm64')))
      for (const file of ['koffi-linux-arm64/linux_arm64/koffi.node', 'kerberos/build/Release/kerberos.node'])
        assert.ok(
          sbom.components.some(
            (c) => c.type === 'file' && c.name.startsWith('arm64:') && c.name.endsWith(file),
          ),
          file,
        );
  });

  it('is reproducible apart from the serial number', () => {
    const again = makeSbom() as { serialNumber: string };
    assert.notEqual(again.serialNumber, sbom.serialNumber);
    assert.deepEqual({ ...again, serialNumber: '' }, { ...sbom, serialNumber: '' });
  });
});
