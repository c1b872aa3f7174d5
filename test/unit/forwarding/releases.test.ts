/**
 * apply on the stock files of each Debian release we target, as captured from its packages
 * (test/fixtures/<release>/): the planned files equal that release's golden files, and the installed audit
 * decides what the plan says of the KRB5 reconnect crash. test/integration/audit-releases.test.ts shows the
 * fixtures are what the releases install and that their own audisp-remote parses the result.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import type { AuditInstall } from '../../../src/forwarding/installed-audit.js';
import { makePlan } from '../../../src/forwarding/plan.js';
import { REPO_ROOT } from '../../harness/exec.js';
import { RELEASES } from '../../harness/releases.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const CONFIG = parseConfig('[forwarding]\ncollector = "collector.audit.test"\nport = 6060\n', 'release.toml');

describe('apply on each release', () => {
  const roots: string[] = [];
  after(() => {
    for (const root of roots) removeTempDir(root);
  });

  for (const release of RELEASES) {
    it(`${release.title} (audit ${release.auditVersion}): renders its golden files and keeps forwarding alive across the KRB5 crash`, () => {
      const root = makeTempDir('auditrelay-release-');
      roots.push(root);
      cpSync(join(REPO_ROOT, 'test/fixtures', release.name, 'etc'), join(root, 'etc'), { recursive: true });
      const install: AuditInstall = {
        version: release.auditVersion,
        audispRemote: true,
        gssapi: true,
        krb5ReconnectCrash: true,
      };
      const plan = makePlan(CONFIG, root, install);
      for (const file of plan.files) {
        const golden = join(REPO_ROOT, 'test/fixtures/golden', release.name, file.devicePath.slice(1));
        assert.equal(file.after, readFileSync(golden, 'utf8'), `${file.devicePath} (${golden})`);
      }
      assert.match(
        plan.notes.join('\n'),
        new RegExp(`audit ${release.auditVersion.replaceAll('.', '\\.')} crashes`),
      );
    });
  }
});
