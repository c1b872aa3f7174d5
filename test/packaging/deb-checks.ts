/**
 * The checks every built package gets, whatever its architecture (deb-package.test.ts for amd64,
 * deb-arm64.test.ts under qemu-user): shell scripts run in a throwaway copy of the target's trixie root
 * that print `KEY=value` marks, and the assertions on those marks.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { run } from '../harness/exec.js';
import { lintDeb } from './deb.js';

export const APT = 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null';

/** The lines of `output` that start with `KEY=`, as a map. */
export function marks(output: string): Map<string, string> {
  return new Map(
    output
      .split('\n')
      .filter((l) => /^[A-Z0-9]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
}

/** The values of every `KEY=` line of `output`. */
export function allMarks(output: string, key: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

/** trixie's lintian finds no error in `deb` (warnings are listed, with their reasons, in the README). */
export function assertLintClean(deb: string): void {
  const { code, output } = lintDeb(deb);
  assert.equal(code, 0, output);
  assert.deepEqual(
    output.split('\n').filter((l) => l.startsWith('E: auditrelay')),
    [],
  );
}

/** The package's symbolic links that point to an absolute path (other than /dev/null, a masked unit). */
export async function linksOutside(deb: string): Promise<string[]> {
  const listed = await run('dpkg-deb', ['-c', deb]);
  assert.equal(listed.code, 0, listed.stderr);
  return listed.stdout
    .split('\n')
    .filter((l) => l.startsWith('l') && / -> \//.test(l) && !l.endsWith(' -> /dev/null'));
}

/**
 * Installs `deb` (at /opt/out) with apt-get, every dependency from the registry, checks what the package
 * and its maintainer scripts made, runs `middle` (more marks), purges, and marks what was left behind.
 */
export function installScript(deb: string, middle: readonly string[]): string {
  const named =
    "find / -xdev -name '*auditrelay*' -not -path '/proc/*' -not -path '/opt/*' -not -path '/tmp/*' | sort";
  return [
    APT,
    `${named} > /tmp/before-names`,
    `apt-get install -y -qq --no-install-recommends /opt/out/${basename(deb)} >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }`,
    'echo "VERSION=$(auditrelay --version)"',
    'auditrelay config check --config /etc/auditrelay/auditrelay.toml >/dev/null; echo "CHECK=$?"',
    'getent passwd auditrelay >/dev/null && echo "USER=yes"',
    'getent group auditrelay-clients >/dev/null && echo "GROUP=yes"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query field, not a JavaScript template
    'dpkg-query -W -f "\\${Conffiles}" auditrelay | grep -q auditrelay.toml && echo "CONFFILE=yes"',
    'dpkg -L auditrelay > /tmp/ours',
    'while read -r f; do if [ -L "$f" ] && [ ! -e "$f" ]; then echo "DANGLING=$f"; fi; done < /tmp/ours',
    ...middle,
    'apt-get purge -y -qq auditrelay >/dev/null 2>&1',
    'while read -r f; do if [ -e "$f" ] && [ ! -d "$f" ]; then echo "LEFT=$f"; fi; done < /tmp/ours',
    `${named} | comm -13 /tmp/before-names - | sed 's/^/LEFT=/'`,
    'echo DONE=yes',
  ].join('\n');
}

/** What installScript's marks must say. */
export function assertInstalledAndPurged(code: number, output: string): void {
  assert.equal(code, 0, output);
  const m = marks(output);
  assert.match(m.get('VERSION') ?? '', /^\d+\.\d+\.\d+/);
  assert.equal(m.get('CHECK'), '0', 'the shipped config is valid');
  assert.equal(m.get('USER'), 'yes', 'postinst created the user');
  assert.equal(m.get('GROUP'), 'yes', 'and the clients group');
  assert.equal(m.get('CONFFILE'), 'yes', '/etc/auditrelay/auditrelay.toml is a conffile');
  assert.deepEqual(allMarks(output, 'DANGLING'), [], 'every installed link resolves');
  assert.deepEqual(allMarks(output, 'LEFT'), [], 'purge left nothing of ours');
  assert.equal(m.get('DONE'), 'yes');
}

/** Installs first.deb, edits the conffile, installs second.deb over it (both at /opt/out). */
export const UPGRADE_SCRIPT = [
  APT,
  'apt-get install -y -qq --no-install-recommends /opt/out/first.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }',
  'echo "# edited by the integrator" >> /etc/auditrelay/auditrelay.toml',
  'dpkg -i /opt/out/second.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }',
  'grep -q "edited by the integrator" /etc/auditrelay/auditrelay.toml && echo "KEPT=yes"',
  'ls /etc/auditrelay/ | tr "\\n" " " | sed "s/^/FILES=/"; echo',
].join('\n');

export function assertUpgradeKept(code: number, output: string): void {
  assert.equal(code, 0, output);
  const m = marks(output);
  assert.equal(m.get('KEPT'), 'yes', 'the edited conffile survived the upgrade');
  assert.equal(m.get('FILES')?.trim(), 'auditrelay.toml', 'no .dpkg-dist or .dpkg-new beside it');
}
