/**
 * The Debian 13 package (`npm run deb`), each check in a throwaway overlay of the trixie root: trixie's
 * lintian finds no error; apt-get installs it with every dependency resolved from the registry, the
 * program runs (version, config check, status), the maintainer scripts made the user and group;
 * apt-get purge leaves none of its files; and an upgrade to the same version built again keeps an edited
 * conffile. Booting the packaged units under systemd: deb-systemd.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { whyNoDebian13Root } from '../harness/debian13-root.js';
import { run } from '../harness/exec.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';
import { buildDeb, inScratchRoot, lintDeb } from '../packaging/deb.js';

const APT = 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null';

/** The lines of `output` that start with `key=`, as a map. */
function marks(output: string): Map<string, string> {
  return new Map(
    output
      .split('\n')
      .filter((l) => /^[A-Z]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
}

describe('the Debian 13 package', { skip: whyNoDebian13Root() }, () => {
  let dir: string;
  let deb: string;
  before(() => {
    dir = makeTempDir('auditrelay-deb-test-', 0o755);
    const first = buildDeb();
    deb = join(dir, basename(first));
    copyFileSync(first, deb);
  });
  after(() => removeTempDir(dir));

  it('Debian 13: trixie lintian reports no error', () => {
    const { code, output } = lintDeb(deb);
    assert.equal(code, 0, output);
    assert.deepEqual(
      output.split('\n').filter((l) => l.startsWith('E: auditrelay')),
      [],
    );
  });

  it('Debian 13: holds no link to a path of the build machine', async () => {
    const listed = await run('dpkg-deb', ['-c', deb]);
    assert.equal(listed.code, 0, listed.stderr);
    const links = listed.stdout.split('\n').filter((l) => l.startsWith('l'));
    const absolute = links.filter((l) => / -> \//.test(l) && !l.endsWith(' -> /dev/null'));
    assert.deepEqual(absolute, [], 'links point inside the package (or mask a unit with /dev/null)');
  });

  it('Debian 13: installs with its dependencies from the registry, runs, and purges without a trace', () => {
    const name = basename(deb);
    const named =
      "find / -xdev -name '*auditrelay*' -not -path '/proc/*' -not -path '/opt/*' -not -path '/tmp/*' | sort";
    const script = [
      APT,
      `${named} > /tmp/before-names`,
      `apt-get install -y -qq --no-install-recommends /opt/out/${name} >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }`,
      'echo "VERSION=$(auditrelay --version)"',
      'auditrelay config check --config /etc/auditrelay/auditrelay.toml >/dev/null; echo "CHECK=$?"',
      'auditrelay status --json > /tmp/status.json; echo "STATUS=$?"; echo "STATUSJSON=$(tr -d "\\n" < /tmp/status.json)"',
      'getent passwd auditrelay >/dev/null && echo "USER=yes"',
      'getent group auditrelay-clients >/dev/null && echo "GROUP=yes"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query field, not a JavaScript template
      'dpkg-query -W -f "\\${Conffiles}" auditrelay | grep -q auditrelay.toml && echo "CONFFILE=yes"',
      'dpkg -L auditrelay > /tmp/ours',
      'while read -r f; do if [ -L "$f" ] && [ ! -e "$f" ]; then echo "DANGLING=$f"; fi; done < /tmp/ours',
      'apt-get purge -y -qq auditrelay >/dev/null 2>&1',
      'while read -r f; do if [ -e "$f" ] && [ ! -d "$f" ]; then echo "LEFT=$f"; fi; done < /tmp/ours',
      `${named} | comm -13 /tmp/before-names - | sed 's/^/LEFT=/'`,
      'echo DONE=yes',
    ].join('\n');
    const { code, output } = inScratchRoot(deb, script);
    assert.equal(code, 0, output);
    const m = marks(output);
    assert.match(m.get('VERSION') ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(m.get('CHECK'), '0', 'the shipped config is valid');
    assert.ok(['0', '69'].includes(m.get('STATUS') ?? ''), `status answered (${m.get('STATUS')})`);
    assert.ok(Array.isArray(JSON.parse(m.get('STATUSJSON') ?? '{}').problems), 'status printed its report');
    assert.equal(m.get('USER'), 'yes', 'postinst created the user');
    assert.equal(m.get('GROUP'), 'yes', 'and the clients group');
    assert.equal(m.get('CONFFILE'), 'yes', '/etc/auditrelay/auditrelay.toml is a conffile');
    assert.deepEqual(
      output.split('\n').filter((l) => l.startsWith('DANGLING=')),
      [],
      'every installed link resolves',
    );
    assert.deepEqual(
      output.split('\n').filter((l) => l.startsWith('LEFT=')),
      [],
      'purge left nothing of ours',
    );
    assert.equal(m.get('DONE'), 'yes');
  });

  it('Debian 13: an upgrade to the same version, built again, keeps an edited conffile', () => {
    const upgrade = join(dir, 'upgrade');
    mkdirSync(upgrade);
    copyFileSync(deb, join(upgrade, 'first.deb'));
    copyFileSync(buildDeb(), join(upgrade, 'second.deb'));
    const script = [
      APT,
      'apt-get install -y -qq --no-install-recommends /opt/out/first.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }',
      'echo "# edited by the integrator" >> /etc/auditrelay/auditrelay.toml',
      'dpkg -i /opt/out/second.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }',
      'grep -q "edited by the integrator" /etc/auditrelay/auditrelay.toml && echo "KEPT=yes"',
      'ls /etc/auditrelay/ | tr "\\n" " " | sed "s/^/FILES=/"; echo',
    ].join('\n');
    const { code, output } = inScratchRoot(join(upgrade, 'first.deb'), script);
    assert.equal(code, 0, output);
    const m = marks(output);
    assert.equal(m.get('KEPT'), 'yes', 'the edited conffile survived the upgrade');
    assert.equal(m.get('FILES')?.trim(), 'auditrelay.toml', 'no .dpkg-dist or .dpkg-new beside it');
  });
});
