/**
 * The Debian 13 package (`npm run deb`), each check in a throwaway overlay of the trixie root: trixie's
 * lintian finds no error; it holds no link to a path of the build machine; two builds are the same bytes;
 * apt-get installs it with every dependency resolved from the registry, the program runs (version, config
 * check, status), the maintainer scripts made the user and group; apt-get purge leaves none of its files;
 * and an upgrade to the same version built again keeps an edited conffile. Booting the packaged units
 * under systemd: deb-systemd.test.ts; the arm64 package: deb-arm64.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { whyNoDebian13Root } from '../harness/debian13-root.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';
import { inScratchRoot } from '../harness/throwaway-root.js';
import { buildDeb } from '../packaging/deb.js';
import {
  assertInstalledAndPurged,
  assertLintClean,
  assertUpgradeKept,
  installScript,
  linksOutside,
  marks,
  UPGRADE_SCRIPT,
} from '../packaging/deb-checks.js';

describe('the Debian 13 package', { skip: whyNoDebian13Root() }, () => {
  let dir: string;
  let deb: string;
  before(() => {
    dir = makeTempDir('auditrelay-deb-test-', 0o755);
    mkdirSync(join(dir, 'upgrade'));
    deb = join(dir, 'upgrade', 'first.deb');
    copyFileSync(buildDeb('amd64'), deb);
    copyFileSync(buildDeb('amd64'), join(dir, 'upgrade', 'second.deb'));
  });
  after(() => removeTempDir(dir));

  it('Debian 13: trixie lintian reports no error', () => {
    assertLintClean(deb);
  });

  it('Debian 13: holds no link to a path of the build machine', async () => {
    assert.deepEqual(await linksOutside(deb), [], 'links point inside the package (or mask a unit)');
  });

  it('Debian 13: two builds of one commit are the same bytes', () => {
    assert.ok(readFileSync(deb).equals(readFileSync(join(dir, 'upgrade', 'second.deb'))));
  });

  it('Debian 13: installs with its dependencies from the registry, runs, and purges without a trace', () => {
    const status = [
      'auditrelay status --json > /tmp/status.json; echo "STATUS=$?"; echo "STATUSJSON=$(tr -d "\\n" < /tmp/status.json)"',
    ];
    const { code, output } = inScratchRoot(join(dir, 'upgrade'), installScript(deb, status));
    assertInstalledAndPurged(code, output);
    const m = marks(output);
    assert.ok(['0', '69'].includes(m.get('STATUS') ?? ''), `status answered (${m.get('STATUS')})`);
    assert.ok(Array.isArray(JSON.parse(m.get('STATUSJSON') ?? '{}').problems), 'status printed its report');
  });

  it('Debian 13: an upgrade to the same version, built again, keeps an edited conffile', () => {
    const { code, output } = inScratchRoot(join(dir, 'upgrade'), UPGRADE_SCRIPT);
    assertUpgradeKept(code, output);
  });
});
