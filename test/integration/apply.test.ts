/**
 * `auditrelay apply` on a temp root seeded with Debian's stock audit files: the result, idempotence,
 * dry runs, a failure half-way, the restart hook — and the real auditd and audisp-remote accepting the
 * files they get.
 */
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { renderAuditd } from '../../src/forwarding/render.js';
import { type AuditRoot, makeAuditRoot } from '../harness/audit-root.js';
import { startDeviceAuditd } from '../harness/device-auditd.js';
import { CLI, REPO_ROOT, run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { privateMountShell, withPrivateMounts } from '../harness/mount-ns.js';

const notRoot = process.getuid?.() === 0 ? undefined : 'needs root (files owned by root)';
const noKernelAudit = await whyNoKernelAudit();
const PLAIN =
  '[forwarding]\ncollector = "192.0.2.10"\nport = 6060\ntransport = "tcp"\nallow_plaintext = true\n';
const MANAGED = [
  'etc/audit/audisp-remote.conf',
  'etc/audit/plugins.d/au-remote.conf',
  'etc/audit/auditd.conf',
];

function apply(root: AuditRoot, ...flags: string[]) {
  return root.apply(['--json', ...flags]);
}

function snapshot(root: AuditRoot): Map<string, string> {
  return new Map(
    MANAGED.map((p) => [p, `${readFileSync(root.path(p), 'utf8')}|${statSync(root.path(p)).mtimeMs}`]),
  );
}

describe('apply', { skip: notRoot }, () => {
  const roots: AuditRoot[] = [];
  const newRoot = (toml: string) => {
    const root = makeAuditRoot(toml);
    roots.push(root);
    return root;
  };
  after(() => {
    for (const root of roots) root.remove();
  });
  /** A root whose restart_command appends a line to `marker` (in the root) each time apply restarts auditd. */
  const restartCounting = () => {
    const root = newRoot(PLAIN);
    const marker = root.path('restarts');
    writeFileSync(
      root.config,
      `${PLAIN}[auditd]\nrestart_command = ["sh", "-c", "echo restarted >> ${marker}"]\n`,
    );
    return { root, marker };
  };

  it('writes the managed files (root-owned 0640), keeping every unmanaged line of auditd.conf', async () => {
    const root = newRoot(PLAIN);
    const handEdited = readFileSync(`${REPO_ROOT}test/fixtures/hand-edited-auditd.conf`, 'utf8');
    writeFileSync(root.path('etc/audit/auditd.conf'), handEdited);
    const result = await apply(root);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    // In the order apply renames them: storage off first, the plugin enabled last.
    assert.deepEqual(report.changed, [
      '/etc/audit/auditd.conf',
      '/etc/audit/audisp-remote.conf',
      '/etc/audit/plugins.d/au-remote.conf',
    ]);
    assert.ok(report.warnings.some((w: string) => w.startsWith('PLAINTEXT')));
    assert.equal(
      readFileSync(root.path('etc/audit/auditd.conf'), 'utf8'),
      renderAuditd(handEdited, parseConfig(PLAIN, 't').auditd),
    );
    for (const path of MANAGED) {
      const st = statSync(root.path(path));
      assert.equal(st.mode & 0o777, 0o640, path);
      assert.equal(st.uid, 0, path);
    }
    assert.match(readFileSync(root.path('etc/audit/plugins.d/au-remote.conf'), 'utf8'), /^active = yes$/m);
    assert.deepEqual(
      readdirSync(root.path('etc/audit')).filter((f) => f.includes('auditrelay-')),
      [],
      'no temp files left',
    );
  });

  it('is idempotent: a second apply changes nothing and restarts nothing', async () => {
    const { root, marker } = restartCounting();
    assert.equal((await apply(root)).code, 0);
    assert.equal(readFileSync(marker, 'utf8'), 'restarted\n');
    const before = snapshot(root);
    const second = JSON.parse((await apply(root)).stdout);
    assert.deepEqual(second.changed, []);
    assert.equal(second.auditd, 'not restarted (nothing changed)');
    assert.deepEqual(snapshot(root), before);
    assert.equal(readFileSync(marker, 'utf8'), 'restarted\n');
  });

  it('finishes an apply a crash interrupted, restarts auditd for it, and status names it until then', async () => {
    const { root, marker } = restartCounting();
    assert.equal((await apply(root)).code, 0);
    // The state a crash leaves after the commit point: the new auditd.conf renamed, the plugin's temp and
    // the journal still there, auditd not restarted.
    const dir = root.path('etc/audit');
    const temp = '.au-remote.conf.auditrelay-00112233445566ff';
    const plugin = readFileSync(root.path('etc/audit/plugins.d/au-remote.conf'), 'utf8');
    writeFileSync(root.path(`etc/audit/plugins.d/${temp}`), plugin, { mode: 0o640 });
    writeFileSync(root.path('etc/audit/plugins.d/au-remote.conf'), 'active = no\n', { mode: 0o640 });
    writeFileSync(
      `${dir}/.auditrelay-apply.journal`,
      JSON.stringify({
        version: 1,
        renames: [{ temp: `plugins.d/${temp}`, target: 'plugins.d/au-remote.conf' }],
      }),
    );
    const status = await run('node', [CLI, 'status', '--config', root.config, '--root', root.root, '--json']);
    assert.ok(
      JSON.parse(status.stdout).problems.some((p: { code: string }) => p.code === 'APPLY_INTERRUPTED'),
      status.stdout,
    );
    const again = JSON.parse((await apply(root)).stdout);
    assert.deepEqual(again.resumed, [root.path('etc/audit/plugins.d/au-remote.conf')]);
    assert.deepEqual(again.changed, [], 'the finished change left nothing to write');
    assert.match(again.auditd, /^restarted/, 'the change the crash interrupted still gets its restart');
    assert.equal(readFileSync(marker, 'utf8'), 'restarted\nrestarted\n');
    assert.equal(readFileSync(root.path('etc/audit/plugins.d/au-remote.conf'), 'utf8'), plugin);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('auditrelay')),
      [],
    );
  });

  it('writes nothing with --dry-run or --diff, and --diff shows a unified diff', async () => {
    const root = newRoot(PLAIN);
    const before = snapshot(root);
    const dry = JSON.parse((await apply(root, '--dry-run')).stdout);
    assert.equal(dry.dry_run, true);
    assert.equal(dry.changed.length, 3);
    const diff = await root.apply(['--diff']);
    assert.match(diff.stdout, /^--- \/etc\/audit\/auditd.conf$/m);
    assert.match(diff.stdout, /^-write_logs = yes$/m);
    assert.match(diff.stdout, /^\+write_logs = no$/m);
    assert.deepEqual(snapshot(root), before);
  });

  it('leaves every file as it was when a write fails half-way', async () => {
    const root = newRoot(PLAIN);
    rmSync(root.path('etc/audit/plugins.d'), { recursive: true });
    writeFileSync(root.path('etc/audit/plugins.d'), 'not a directory');
    const before = readFileSync(root.path('etc/audit/auditd.conf'), 'utf8');
    const beforeRemote = readFileSync(root.path('etc/audit/audisp-remote.conf'), 'utf8');
    const result = await apply(root);
    assert.equal(result.code, 74, result.stderr);
    assert.match(result.stderr, /APPLY_WRITE_FAILED/);
    assert.equal(readFileSync(root.path('etc/audit/auditd.conf'), 'utf8'), before);
    assert.equal(readFileSync(root.path('etc/audit/audisp-remote.conf'), 'utf8'), beforeRemote);
    assert.deepEqual(
      readdirSync(root.path('etc/audit')).filter((f) => f.includes('auditrelay-')),
      [],
    );
  });

  it('leaves every file as it was when the disk fills during the write (ENOSPC)', async () => {
    const root = newRoot(PLAIN);
    const audit = root.path('etc/audit');
    const hashes = 'cd "$0" && sha256sum auditd.conf audisp-remote.conf plugins.d/au-remote.conf';
    const before = (await run('sh', ['-c', hashes, audit])).stdout;
    // In a private mount namespace: the stock files on a 64 KiB tmpfs filled up but for one page, so the
    // first temp file fits and the next one meets ENOSPC; then what is left there is printed.
    const script = [
      'cp -a "$0" "$0.stock" && mount -t tmpfs -o size=64k,mode=0750 tmpfs "$0" && cp -a "$0.stock/." "$0/"',
      'dd if=/dev/zero of="$0/gap" bs=4k count=1 2>/dev/null; dd if=/dev/zero of="$0/filler" bs=4k 2>/dev/null',
      'rm "$0/gap"; "$@" >/dev/null 2>"$0.stock/err"; echo "exit $?"; rm "$0/filler"',
      `(${hashes}); ls -A "$0" "$0/plugins.d" | grep auditrelay-; cat "$0.stock/err"`,
    ].join('; ');
    const apply = ['node', CLI, 'apply', '--config', root.config, '--root', root.root];
    const [shell = 'unshare', ...words] = privateMountShell(script, [audit, ...apply]);
    const inside = await run(shell, words);
    assert.match(inside.stdout, /^exit 74$/m, inside.stdout + inside.stderr);
    assert.match(inside.stdout, /ENOSPC.*nothing was changed \[APPLY_WRITE_FAILED\]/);
    assert.ok(inside.stdout.includes(before), `every file as before:\n${inside.stdout}`);
    assert.doesNotMatch(inside.stdout, /\.auditrelay-/, 'no temp file or journal left');
  });

  it('refuses an audit release whose parsers it does not know, writing nothing; status names it', async () => {
    const root = newRoot(PLAIN);
    rmSync(root.path('var/lib/dpkg/status'));
    writeFileSync(
      root.path('var/lib/dpkg/status'),
      'Package: auditd\nStatus: install ok installed\nVersion: 1:5.1.0-1\n\n',
    );
    const before = snapshot(root);
    const result = await apply(root);
    assert.equal(result.code, 69, result.stderr);
    assert.match(
      result.stderr,
      /audit 5\.1\.0 is installed: apply writes only for releases .*\[APPLY_AUDIT_VERSION_UNKNOWN\]/,
    );
    assert.deepEqual(snapshot(root), before);
    const status = await run('node', [CLI, 'status', '--config', root.config, '--root', root.root, '--json']);
    const codes = JSON.parse(status.stdout).problems.map((p: { code: string }) => p.code);
    assert.ok(codes.includes('APPLY_AUDIT_VERSION_UNKNOWN'), codes.join(' '));
  });

  it('rejects a bad config whole, listing every problem, touching nothing', async () => {
    const root = newRoot(
      '[forwarding]\ncollector = "c"\nport = 0\nnetwork_failure_action = "reconnect"\n[auditd]\nbogus = 1\n',
    );
    const before = snapshot(root);
    const result = await root.apply();
    assert.equal(result.code, 78);
    assert.match(result.stderr, /forwarding\.port/);
    assert.match(result.stderr, /forwarding\.network_failure_action/);
    assert.match(result.stderr, /auditd: unknown key\(s\): "bogus"/);
    assert.deepEqual(snapshot(root), before);
  });

  it('renders an audisp-remote.conf (KRB5) that the real audisp-remote parses', async () => {
    const root = newRoot('[forwarding]\ncollector = "collector.audit.test"\nport = 6060\n');
    assert.equal((await apply(root, '--force')).code, 0);
    const parse = (conf: string) =>
      run('sh', [
        '-c',
        'exec "$@" < /dev/null',
        'sh',
        ...withPrivateMounts([`mount --bind ${conf} /etc/audit/audisp-remote.conf`], ['/sbin/audisp-remote']),
      ]);
    assert.equal((await parse(root.path('etc/audit/audisp-remote.conf'))).code, 0);
    // The control: the same binary rejects an unknown keyword (exit 6), so exit 0 above means "parsed".
    writeFileSync(
      root.path('bad.conf'),
      `${readFileSync(root.path('etc/audit/audisp-remote.conf'), 'utf8')}bogus_key = 1\n`,
    );
    chmodSync(root.path('bad.conf'), 0o640);
    assert.equal((await parse(root.path('bad.conf'))).code, 6);
  });

  it('produces files the real auditd starts with, running audisp-remote to the relay', {
    skip: noKernelAudit,
  }, async () => {
    // audisp-remote connects to auditrelay's relay on loopback (relay_port), never to the collector: the
    // stand-in listens where the relay would.
    let connections = 0;
    const relay = createServer((socket) => {
      connections++;
      // A stand-in that never acknowledges would hold audisp-remote (stop-and-wait) for seconds at stop.
      socket.destroy();
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as AddressInfo).port;
    const root = newRoot(
      `[forwarding]\ncollector = "127.0.0.1"\nrelay_port = ${port}\ntransport = "tcp"\nallow_plaintext = true\n`,
    );
    assert.equal((await apply(root)).code, 0);
    const auditd = await startDeviceAuditd(root.root);
    try {
      const remote = await waitFor(() => auditd.audispRemote(), 5000, 'audisp-remote to start');
      await run('node', [CLI, 'emit', '--direct', '--type', 'TRUSTED_APP', 'probe=1']);
      await waitFor(
        () => (connections > 0 ? true : undefined),
        20_000,
        'audisp-remote to connect to the relay port',
      );
      assert.equal(auditd.audispRemote(), remote, 'audisp-remote keeps running');
    } finally {
      await auditd.stop();
      relay.close();
    }
  });
});
