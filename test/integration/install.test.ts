/** `auditrelay install --root` and `uninstall`: the layout, modes, runtime-only dependencies, config kept. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, run } from '../harness/exec.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const skip = process.getuid?.() === 0 ? undefined : 'needs root';

describe('install and uninstall', { skip }, () => {
  it('lays out a working program, units and snippets, keeps an existing config, and removes them again', async () => {
    const root = makeTempDir('auditrelay-install-');
    try {
      const first = await run('node', [CLI, 'install', '--root', root, '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(JSON.parse(first.stdout).configKept, false);
      for (const unit of ['auditrelay.service', 'auditrelay.socket', 'auditrelay-apply.service']) {
        assert.equal(statSync(join(root, 'usr/lib/systemd/system', unit)).mode & 0o777, 0o644, unit);
      }
      assert.ok(existsSync(join(root, 'usr/lib/sysusers.d/auditrelay.conf')));
      assert.ok(existsSync(join(root, 'usr/lib/tmpfiles.d/auditrelay.conf')));
      assert.equal(readlinkSync(join(root, 'usr/bin/auditrelay')), '../lib/auditrelay/dist/src/cli.js');
      assert.ok(existsSync(join(root, 'usr/lib/auditrelay/node_modules/koffi')));
      assert.ok(
        !existsSync(join(root, 'usr/lib/auditrelay/node_modules/typescript')),
        'no development dependencies',
      );
      assert.ok(!existsSync(join(root, 'usr/lib/auditrelay/dist/test')), 'no tests');
      const shipped = readdirSync(join(root, 'usr/lib/auditrelay'), { recursive: true, encoding: 'utf8' });
      assert.deepEqual(
        shipped.filter((f) => !f.startsWith('node_modules/') && /emit-baseline|fake-libaudit|\.c$/.test(f)),
        [],
        'no benchmark binary or test C on the device',
      );
      const version = await run(join(root, 'usr/bin/auditrelay'), ['--version']);
      assert.equal(version.code, 0, version.stderr);
      const check = await run(join(root, 'usr/bin/auditrelay'), [
        'config',
        'check',
        '--config',
        join(root, 'etc/auditrelay/auditrelay.toml'),
      ]);
      assert.equal(check.code, 0, check.stderr);

      writeFileSync(join(root, 'etc/auditrelay/auditrelay.toml'), '# mine\n');
      assert.equal(
        JSON.parse((await run('node', [CLI, 'install', '--root', root, '--json'])).stdout).configKept,
        true,
      );
      assert.equal(readFileSync(join(root, 'etc/auditrelay/auditrelay.toml'), 'utf8'), '# mine\n');

      assert.equal((await run('node', [CLI, 'uninstall', '--root', root])).code, 0);
      assert.ok(!existsSync(join(root, 'usr/lib/auditrelay')));
      assert.ok(!existsSync(join(root, 'usr/bin/auditrelay')));
      assert.ok(!existsSync(join(root, 'usr/lib/systemd/system/auditrelay.service')));
      assert.ok(existsSync(join(root, 'etc/auditrelay/auditrelay.toml')), 'the config stays without --purge');
      await run('node', [CLI, 'uninstall', '--root', root, '--purge']);
      assert.ok(!existsSync(join(root, 'etc/auditrelay')));
    } finally {
      removeTempDir(root);
    }
  });
});
