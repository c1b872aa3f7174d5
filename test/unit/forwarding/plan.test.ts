/**
 * What apply would do, computed from a root of Debian 12's stock audit files and a described install (no
 * binaries asked): the three files in rename order and what changes, the crash-safe max_restarts note,
 * the plaintext warning, the install refusals, and a second plan after the writes changing nothing.
 */
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import type { AuditInstall } from '../../../src/forwarding/installed-audit.js';
import { makePlan } from '../../../src/forwarding/plan.js';
import { STOCK } from '../../harness/audit-root.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const DEBIAN_12: AuditInstall = {
  version: '3.0.9',
  audispRemote: true,
  gssapi: true,
  krb5ReconnectCrash: true,
};
const KRB5 = parseConfig('[forwarding]\ncollector = "collector.example.com"\n', 'krb5.toml');
const TCP = parseConfig(
  '[forwarding]\ncollector = "192.0.2.1"\ntransport = "tcp"\nallow_plaintext = true\n',
  't.toml',
);

describe('the apply plan', () => {
  const roots: string[] = [];
  const stockRoot = () => {
    const root = makeTempDir('auditrelay-plan-');
    roots.push(root);
    cpSync(join(STOCK, 'etc'), join(root, 'etc'), { recursive: true });
    return root;
  };
  after(() => {
    for (const root of roots) removeTempDir(root);
  });

  it('lists the three files in rename order, all changing on a stock root, and nothing once written', () => {
    const root = stockRoot();
    const plan = makePlan(KRB5, root, DEBIAN_12);
    assert.deepEqual(
      plan.files.map((f) => [f.devicePath, f.changed, f.mode]),
      [
        ['/etc/audit/auditd.conf', true, 0o640],
        ['/etc/audit/audisp-remote.conf', true, 0o640],
        ['/etc/audit/plugins.d/au-remote.conf', true, 0o640],
      ],
    );
    assert.match(plan.files[0]?.after ?? '', /^write_logs = no$/m);
    assert.match(plan.files[1]?.after ?? '', /^transport = KRB5$/m);
    assert.match(plan.files[2]?.after ?? '', /^active = yes$/m);
    assert.deepEqual(plan.warnings, []);
    for (const f of plan.files) writeFileSync(f.path, f.after);
    assert.deepEqual(
      makePlan(KRB5, root, DEBIAN_12).files.map((f) => f.changed),
      [false, false, false],
    );
  });

  it('points audisp-remote at the relay, keeps the configured max_restarts, and says why', () => {
    const low = { ...KRB5, auditd: { ...KRB5.auditd, max_restarts: 2 } };
    const plan = makePlan(low, stockRoot(), DEBIAN_12);
    assert.match(plan.notes.join('\n'), /crashes audisp-remote on a failed KRB5 connect.*relay/);
    assert.match(plan.files[0]?.after ?? '', /^max_restarts = 2$/m, 'repair, not a huge budget, covers it');
    assert.match(plan.files[1]?.after ?? '', /^remote_server = 127\.0\.0\.1$/m);
    assert.match(plan.files[1]?.after ?? '', /^port = 61$/m);
    assert.match(
      plan.files[1]?.after ?? '',
      /^max_time_per_record = 86400$/m,
      'held for a day without giving up',
    );
    const fixed = makePlan(KRB5, stockRoot(), { ...DEBIAN_12, version: '4.0.4', krb5ReconnectCrash: false });
    assert.deepEqual(fixed.notes, []);
  });

  it('writes for the audit releases whose parsers it knows, and refuses any other or an unknown one', () => {
    for (const version of ['3.0.9', '4.0.2', '4.0.5'])
      assert.doesNotThrow(() => makePlan(KRB5, stockRoot(), { ...DEBIAN_12, version }), version);
    for (const version of ['5.0.1', '3.1.2', '4.1', undefined])
      assert.throws(() => makePlan(KRB5, stockRoot(), { ...DEBIAN_12, version }), {
        code: 'APPLY_AUDIT_VERSION_UNKNOWN',
      });
  });

  it('warns of plaintext, and refuses what the installed audit cannot do', () => {
    assert.match(makePlan(TCP, stockRoot(), DEBIAN_12).warnings.join(''), /^PLAINTEXT/);
    assert.throws(() => makePlan(KRB5, stockRoot(), { ...DEBIAN_12, audispRemote: false }), {
      code: 'APPLY_NO_AUDISP_REMOTE',
    });
    assert.throws(() => makePlan(KRB5, stockRoot(), { ...DEBIAN_12, gssapi: false }), {
      code: 'APPLY_NO_GSSAPI',
    });
    assert.doesNotThrow(() => makePlan(TCP, stockRoot(), { ...DEBIAN_12, gssapi: false }));
    const empty = makeTempDir('auditrelay-plan-');
    roots.push(empty);
    assert.throws(() => makePlan(KRB5, empty, DEBIAN_12), {
      code: 'APPLY_NO_AUDITD_CONF',
    });
    assert.throws(() => makePlan(parseConfig('', 'e.toml'), stockRoot(), DEBIAN_12), {
      code: 'CONFIG_NO_FORWARDING',
    });
  });
});
