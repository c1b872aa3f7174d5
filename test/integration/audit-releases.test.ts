/**
 * Each Debian release we target, as installed here (the host for Debian 12, a debootstrapped root for
 * Debian 13, run on the host kernel with chroot): apply detects its audit, the stock files it ships are
 * the fixtures the unit tests render from, and its own audisp-remote parses what apply writes — and
 * rejects an unknown keyword, the control that shows the parse was real.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectAudit } from '../../src/forwarding/installed-audit.js';
import { whyNoDebian13Root } from '../harness/debian13-root.js';
import { REPO_ROOT, run } from '../harness/exec.js';
import { withPrivateMounts } from '../harness/mount-ns.js';
import { RELEASES } from '../harness/releases.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const MANAGED = ['auditd.conf', 'audisp-remote.conf', 'plugins.d/au-remote.conf'];
const skip = whyNoDebian13Root();

/** Runs the release's audisp-remote (stdin at EOF: it parses its config, then exits) with `conf` as its config. */
function parseWith(root: string, conf: string) {
  const program = root === '/' ? ['/sbin/audisp-remote'] : ['chroot', root, '/sbin/audisp-remote'];
  const mount = `mount --bind ${conf} ${join(root, 'etc/audit/audisp-remote.conf')}`;
  const [shell = 'sh', ...words] = [
    'sh',
    '-c',
    'exec "$@" < /dev/null',
    'sh',
    ...withPrivateMounts([mount], program),
  ];
  return run(shell, words);
}

describe('the audit of each Debian release', { skip }, () => {
  const dir = makeTempDir('auditrelay-releases-');
  after(() => removeTempDir(dir));

  for (const release of RELEASES) {
    it(`${release.title}: apply detects audit ${release.auditVersion}, its stock files, and its audisp-remote parses what apply writes`, async () => {
      const root = release.root();
      const install = detectAudit(root);
      assert.deepEqual(install, {
        version: release.auditVersion,
        audispRemote: true,
        gssapi: true,
        krb5ReconnectCrash: true,
      });
      for (const file of MANAGED) {
        const stock = readFileSync(join(root, 'etc/audit', file), 'utf8');
        const fixture = readFileSync(
          join(REPO_ROOT, 'test/fixtures', release.name, 'etc/audit', file),
          'utf8',
        );
        assert.equal(stock, fixture, `${file} as ${release.title} ships it`);
      }
      const golden = join(REPO_ROOT, 'test/fixtures/golden', release.name, 'etc/audit/audisp-remote.conf');
      const conf = join(dir, `${release.name}.conf`);
      writeFileSync(conf, readFileSync(golden, 'utf8'));
      chmodSync(conf, 0o640);
      const parsed = await parseWith(root, conf);
      assert.equal(parsed.code, 0, parsed.stderr);
      writeFileSync(conf, `${readFileSync(golden, 'utf8')}bogus_key = 1\n`);
      assert.equal(
        (await parseWith(root, conf)).code,
        6,
        'an unknown keyword is fatal: the parse above was real',
      );
    });
  }
});
