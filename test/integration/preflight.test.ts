/**
 * The Kerberos preflight against a real throwaway MIT KDC: it passes with good keytabs, and each failure is
 * produced for real and named by its code — keytab missing, wrong mode, wrong principal, unknown service,
 * KDC down, clock skew. apply refuses (writing nothing) on a hard failure unless --force.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { type AuditRoot, makeAuditRoot } from '../harness/audit-root.js';
import { CLI, run } from '../harness/exec.js';
import { COLLECTOR_NAME, type Kdc, REALM, startKdc } from '../harness/kdc.js';

const skip = process.getuid?.() === 0 ? undefined : 'needs root (keytabs owned by root)';
const CLIENT = `auditd/${hostname()}`;
const KEYTAB = 'etc/audit/audisp-remote.key';

interface Report {
  ok: boolean;
  client: string;
  checks: Array<{ id: string; verdict: string; code?: string; fix?: string }>;
}

describe('Kerberos preflight against a real KDC', { skip }, () => {
  let kdc: Kdc;
  let root: AuditRoot;
  before(async () => {
    kdc = await startKdc();
    await kdc.addPrincipal(`auditd/${COLLECTOR_NAME}`);
    await kdc.addPrincipal(CLIENT);
    await kdc.addPrincipal('auditd/some-other-device');
    root = makeAuditRoot(`[forwarding]\ncollector = "${COLLECTOR_NAME}"\nport = 6060\n`);
    copyFileSync(kdc.krb5Conf, root.path('etc/krb5.conf'));
  });
  after(async () => {
    root?.remove();
    await kdc?.stop();
  });

  /** `auditrelay preflight --json` for `of` (default: the shared root), optionally under a command prefix. */
  const preflight = async (of: AuditRoot = root, prefix: string[] = []) => {
    const [file = 'node', ...args] = [
      ...prefix,
      'node',
      CLI,
      'preflight',
      '--config',
      of.config,
      '--root',
      of.root,
      '--json',
    ];
    const result = await run(file, args);
    return { code: result.code, report: JSON.parse(result.stdout) as Report };
  };
  const failed = (report: Report) => report.checks.filter((c) => c.verdict === 'fail').map((c) => c.code);

  it('passes with a good keytab and obtains a real service ticket', async () => {
    await kdc.exportKeytab(root.path(KEYTAB), [CLIENT]);
    const { code, report } = await preflight();
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.client, `${CLIENT}@${REALM}`);
    assert.deepEqual(
      report.checks.map((c) => `${c.id}:${c.verdict}`),
      [
        'realm:pass',
        'keytab:pass',
        'keytab-owner:pass',
        'keytab-mode:pass',
        'keytab-principal:pass',
        'ticket:pass',
      ],
    );
    assert.match(
      readFileSync(`${kdc.dir}/kdc.log`, 'utf8'),
      new RegExp(`TGS_REQ .*${CLIENT}@${REALM} for auditd/${COLLECTOR_NAME}@${REALM}`),
    );
  });

  it('names a missing keytab', async () => {
    await run('rm', ['-f', root.path(KEYTAB)]);
    const { code, report } = await preflight();
    assert.equal(code, 78);
    assert.deepEqual(failed(report), ['KEYTAB_MISSING']);
  });

  it('names a keytab whose mode is not 0400', async () => {
    await kdc.exportKeytab(root.path(KEYTAB), [CLIENT], 0o600);
    const { report } = await preflight();
    assert.deepEqual(failed(report), ['KEYTAB_MODE']);
    assert.match(report.checks.find((c) => c.code === 'KEYTAB_MODE')?.fix ?? '', /chmod 0400/);
  });

  it("names a keytab that holds another device's principal", async () => {
    await kdc.exportKeytab(root.path(KEYTAB), ['auditd/some-other-device']);
    const { report } = await preflight();
    assert.ok(failed(report).includes('KEYTAB_PRINCIPAL_MISSING'), JSON.stringify(report));
  });

  it('names an unknown service principal', async () => {
    await kdc.exportKeytab(root.path(KEYTAB), [CLIENT]);
    const other = makeAuditRoot('[forwarding]\ncollector = "nobody-here.audit.test"\n');
    try {
      copyFileSync(kdc.krb5Conf, other.path('etc/krb5.conf'));
      copyFileSync(root.path(KEYTAB), other.path(KEYTAB));
      const { report } = await preflight(other);
      assert.deepEqual(failed(report), ['KRB5_SERVICE_UNKNOWN']);
    } finally {
      other.remove();
    }
  });

  it('names clock skew between device and KDC (when kdc_timesync does not hide it)', async () => {
    await kdc.exportKeytab(root.path(KEYTAB), [CLIENT]);
    const conf = readFileSync(kdc.krb5Conf, 'utf8').replace(
      '[libdefaults]',
      '[libdefaults]\n    kdc_timesync = 0',
    );
    writeFileSync(root.path('etc/krb5.conf'), conf);
    try {
      const { report } = await preflight(root, ['faketime', '-f', '-2h']);
      assert.deepEqual(failed(report), ['KRB5_CLOCK_SKEW']);
    } finally {
      copyFileSync(kdc.krb5Conf, root.path('etc/krb5.conf'));
    }
  });

  it('names an unreachable KDC, and apply then refuses to write unless --force', async () => {
    await kdc.exportKeytab(root.path(KEYTAB), [CLIENT]);
    await kdc.stopServer();
    try {
      const { report } = await preflight();
      assert.deepEqual(failed(report), ['KRB5_KDC_UNREACHABLE']);
      const before = readFileSync(root.path('etc/audit/auditd.conf'), 'utf8');
      const refused = await root.apply();
      assert.equal(refused.code, 78);
      assert.match(refused.stderr, /PREFLIGHT_FAILED/);
      assert.equal(readFileSync(root.path('etc/audit/auditd.conf'), 'utf8'), before);
      const forced = await root.apply(['--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(readFileSync(root.path('etc/audit/auditd.conf'), 'utf8'), /^write_logs = no$/m);
    } finally {
      await kdc.startServer();
    }
  });
});
