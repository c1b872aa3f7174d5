/**
 * Paths that must not leave where they belong (security round 2): a symlink or `..` under `--root`, an
 * install manifest naming what install never wrote, a socket directory another user can write to.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { checkSocketDir } from '../../src/daemon/listener.js';
import { makePlan } from '../../src/forwarding/plan.js';
import { install, uninstall } from '../../src/install/install.js';
import { MANIFEST } from '../../src/install/layout.js';
import { underRoot } from '../../src/root-path.js';
import { STOCK } from '../harness/audit-root.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const KRB5 = parseConfig('[forwarding]\ncollector = "collector.example.com"\n', 'krb5.toml');
const DEBIAN_12 = { version: '3.0.9', audispRemote: true, gssapi: true, krb5ReconnectCrash: true };

describe('path safety', () => {
  const dirs: string[] = [];
  const temp = () => {
    const dir = makeTempDir('auditrelay-paths-');
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) removeTempDir(dir);
  });

  it('resolves a device path under --root only through real directories, never through .. or a link', () => {
    const root = temp();
    mkdirSync(join(root, 'etc'));
    assert.equal(underRoot(root, '/etc/audit/auditd.conf'), join(root, 'etc/audit/auditd.conf'));
    assert.throws(() => underRoot(root, '/../outside'), { code: 'ROOT_PATH_OUTSIDE' });
    assert.throws(() => underRoot(root, 'etc/../../outside'), { code: 'ROOT_PATH_OUTSIDE' });
    symlinkSync('/etc', join(root, 'etc', 'audit'));
    assert.throws(() => underRoot(root, '/etc/audit/auditd.conf'), { code: 'ROOT_PATH_SYMLINK' });
    symlinkSync('auditd.conf.real', join(root, 'etc', 'x.conf'));
    assert.throws(() => underRoot(root, '/etc/x.conf'), { code: 'ROOT_PATH_SYMLINK' });
    assert.equal(underRoot('/', '/etc/audit/auditd.conf'), '/etc/audit/auditd.conf', '/ has no outside');
  });

  it('plans no apply through <root>/etc/audit -> /elsewhere', () => {
    const root = temp();
    const elsewhere = temp();
    cpSync(join(STOCK, 'etc/audit'), elsewhere, { recursive: true });
    mkdirSync(join(root, 'etc'));
    symlinkSync(elsewhere, join(root, 'etc/audit'));
    assert.throws(() => makePlan(KRB5, root, DEBIAN_12), { code: 'ROOT_PATH_SYMLINK' });
  });

  it('uninstalls only what install writes: a manifest line leaving the root removes nothing', () => {
    const parent = temp();
    const root = join(parent, 'root');
    const sibling = join(parent, 'outside');
    mkdirSync(sibling);
    writeFileSync(join(sibling, 'keep'), 'x');
    install(root);
    writeFileSync(join(root, MANIFEST), '/usr/bin/auditrelay\n/../outside\n');
    assert.throws(() => uninstall(root, false), { code: 'MANIFEST_LINE_INVALID' });
    assert.ok(existsSync(join(sibling, 'keep')), 'the sibling of the root is untouched');
    assert.ok(existsSync(join(root, 'usr/lib/auditrelay')), 'nothing was removed');
    writeFileSync(join(root, MANIFEST), '/usr/bin/auditrelay\n');
    uninstall(root, false);
    assert.ok(!existsSync(join(root, 'usr/bin/auditrelay')));
  });

  it('refuses a socket directory others can write to, even a sticky one like /tmp', () => {
    const dir = temp();
    checkSocketDir(dir);
    chmodSync(dir, 0o1777);
    assert.throws(() => checkSocketDir(dir), { code: 'SOCKET_DIR_UNSAFE' });
    chmodSync(dir, 0o775);
    assert.throws(() => checkSocketDir(dir), { code: 'SOCKET_DIR_UNSAFE' });
    chmodSync(dir, 0o755);
    checkSocketDir(dir, 4242); // owned by root: fine for a daemon of any user
    chmodSync(dir, 0o700);
    assert.doesNotThrow(() => checkSocketDir(dir));
    chownSync(dir, 4242, 4242);
    assert.throws(() => checkSocketDir(dir, 0), { code: 'SOCKET_DIR_UNSAFE' }, "another user's directory");
    assert.doesNotThrow(() => checkSocketDir(dir, 4242), "the daemon user's own");
  });
});
