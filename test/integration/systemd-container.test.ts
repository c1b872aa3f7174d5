/**
 * auditrelay under a real systemd (Debian 12 in systemd-nspawn): the socket unit starts the service on the
 * first event, READY=1 makes it active, events land in the (host's) kernel audit from inside the unit's
 * sandbox as the unprivileged user, `systemctl reload` reloads, a daemon that stops pinging the
 * watchdog is killed and restarted, and `status` finds auditd's drop lines in journald. The root part,
 * auditrelay-apply.service, runs before the daemon: with a good keytab it writes the files, gets a real
 * ticket from the lab's KDC and restarts auditd (a stand-in unit: a real auditd would take the host's
 * kernel audit); with a bad one it writes nothing, fails, and the daemon runs regardless.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { bootContainer, type Container, ensureRootfs } from '../harness/container.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { COLLECTOR_NAME, type Kdc, startKdc } from '../harness/kdc.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';
import { expectReload, expectSocketActivation, expectWatchdogRestart } from '../harness/unit-checks.js';

async function whyNot(): Promise<string | undefined> {
  const kernel = await whyNoKernelAudit();
  if (kernel !== undefined) return kernel;
  for (const tool of ['/usr/bin/systemd-nspawn', '/usr/sbin/debootstrap'])
    if (!existsSync(tool)) return `${tool} is not installed`;
  return ensureRootfs();
}

const skip = await whyNot();
const UNIT_DIR = '/usr/lib/systemd/system';
const CLI_IN = '/usr/lib/auditrelay/dist/src/cli.js';

/**
 * The daemon's config, with the [forwarding] section apply needs (the KDC is the lab's, on loopback);
 * `queueDepth` lands in audisp-remote.conf, so a change of it is a pending write.
 */
function configText(queueDepth: number): string {
  return [
    '[daemon]',
    'heartbeat_interval = "0s"',
    '[[clients]]',
    'name = "root"',
    'uids = [0]',
    'types = ["TRUSTED_APP"]',
    '[forwarding]',
    'collector = "127.0.0.1"',
    'port = 6060',
    `queue_depth = ${queueDepth}`,
    `service_principal = "auditd/${COLLECTOR_NAME}"`,
    '',
  ].join('\n');
}

/**
 * A stand-in for auditd.service: a real auditd in the container would take kernel audit from the host's.
 * It records each (re)start, so the test sees apply's `systemctl restart auditd` happen.
 */
const AUDITD_STAND_IN = [
  '[Unit]',
  'Description=auditd stand-in (records restarts)',
  '[Service]',
  'Type=oneshot',
  'RemainAfterExit=yes',
  "ExecStart=/bin/sh -c 'echo started >> /run/auditd-stand-in.log'",
  '',
].join('\n');

describe('under a real systemd', { skip }, () => {
  let dir: string;
  let auditd: CapturingAuditd;
  let box: Container;
  let kdc: Kdc;
  const inside = (...args: string[]) => box.exec(args);

  before(async () => {
    dir = makeTempDir('auditrelay-container-');
    const installed = await run('node', [CLI, 'install', '--root', join(dir, 'root')]);
    assert.equal(installed.code, 0, installed.stderr);
    writeFileSync(join(dir, 'auditrelay.toml'), configText(65536));
    writeFileSync(join(dir, 'auditd.service'), AUDITD_STAND_IN);
    kdc = await startKdc();
    await kdc.addPrincipal(`auditd/${COLLECTOR_NAME}`);
    writeFileSync(join(dir, 'watchdog.conf'), '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=2s\n');
    auditd = await startCapturingAuditd();
    const root = join(dir, 'root');
    box = await bootContainer([
      ['/usr/bin/node', '/usr/bin/node'],
      [`${root}/usr/lib/auditrelay`, '/usr/lib/auditrelay'],
      [`${root}${UNIT_DIR}/auditrelay.service`, '/etc/systemd/system/auditrelay.service'],
      [`${root}${UNIT_DIR}/auditrelay.socket`, '/etc/systemd/system/auditrelay.socket'],
      [`${root}${UNIT_DIR}/auditrelay-relay.socket`, '/etc/systemd/system/auditrelay-relay.socket'],
      [`${root}${UNIT_DIR}/auditrelay-apply.service`, '/etc/systemd/system/auditrelay-apply.service'],
      [join(dir, 'auditd.service'), '/etc/systemd/system/auditd.service'],
      ['/sbin/audisp-remote', '/usr/sbin/audisp-remote'],
      [kdc.krb5Conf, '/etc/krb5.conf'],
      [`${root}/usr/lib/sysusers.d/auditrelay.conf`, '/etc/sysusers.d/auditrelay.conf'],
      [join(dir, 'auditrelay.toml'), '/etc/auditrelay/auditrelay.toml'],
      [join(dir, 'watchdog.conf'), '/etc/systemd/system/auditrelay.service.d/watchdog.conf'],
    ]);
    // apply edits an existing auditd.conf (Debian's, as the auditd package installs it), and learns which
    // audit is installed from dpkg's record of that package (the host's: its audisp-remote is bound in).
    await box.exec(
      ['/bin/sh', '-c', 'mkdir -p /etc/audit && cat > /etc/audit/auditd.conf'],
      readFileSync('/etc/audit/auditd.conf', 'utf8'),
    );
    const auditdRecord = readFileSync('/var/lib/dpkg/status', 'utf8')
      .split('\n\n')
      .find((stanza) => /^Package: auditd$/m.test(stanza));
    assert.ok(auditdRecord !== undefined, "the host's dpkg knows auditd");
    await box.exec(['/bin/sh', '-c', 'cat >> /var/lib/dpkg/status'], `\n${auditdRecord}\n\n`);
  });
  after(async () => {
    await box?.stop();
    await auditd?.stop();
    await kdc?.stop();
    removeTempDir(dir);
  });

  it('starts the service on the first event and records it from inside the sandbox', async () => {
    assert.equal((await inside('systemctl', 'enable', '--now', 'auditrelay.socket')).code, 0);
    // The relay's port is below 1024: systemd listens and passes it to the unprivileged daemon.
    assert.equal((await inside('systemctl', 'enable', '--now', 'auditrelay-relay.socket')).code, 0);
    const emit = [
      '/usr/bin/node',
      CLI_IN,
      'emit',
      '--socket',
      '/run/auditrelay/events.sock',
      '--type',
      'TRUSTED_APP',
    ];
    await expectSocketActivation(box, emit, auditd.log);
    const status = (await inside('systemctl', 'show', '-p', 'StatusText', '--value', 'auditrelay.service'))
      .stdout;
    assert.match(status, /emitted/);
    const full = JSON.parse((await inside('/usr/bin/node', CLI_IN, 'status', '--json')).stdout) as {
      daemon: { relay: { listening: string } | null };
    };
    assert.match(full.daemon.relay?.listening ?? '', /from systemd/, "the relay listens on systemd's socket");
  });

  it('reloads on systemctl reload', () => expectReload(box));

  it('kills and restarts a daemon that stops pinging the watchdog', () => expectWatchdogRestart(box));

  it("passes the kernel's lost counter at start to the daemon, which may not read it (ExecStartPre)", async () => {
    // The daemon lacks CAP_AUDIT_CONTROL; the unit's root ExecStartPre runs auditctl -s. In a container the
    // kernel refuses AUDIT_GET (another PID namespace), so auditctl here prints the host's real output.
    const host = await run('auditctl', ['-s']);
    const hostLost = Number(/^lost (\d+)$/m.exec(host.stdout)?.[1] ?? Number.NaN);
    assert.ok(Number.isInteger(hostLost), host.stdout);
    const stub = '/usr/local/sbin/auditctl';
    const script = Buffer.from(`#!/bin/sh\ncat <<'EOF'\n${host.stdout}EOF\n`).toString('base64');
    const placed = await inside(
      '/bin/sh',
      '-c',
      `echo ${script} | base64 -d > ${stub} && chmod 0755 ${stub}`,
    );
    assert.equal(placed.code, 0, placed.stderr);
    try {
      assert.equal((await inside('systemctl', 'restart', 'auditrelay.service')).code, 0);
      const status = JSON.parse((await inside('/usr/bin/node', CLI_IN, 'status', '--json')).stdout) as {
        daemon: { kernel: { lost_at_start: number | null } };
      };
      assert.equal(status.daemon.kernel.lost_at_start, hostLost);
    } finally {
      await inside('rm', '-f', stub);
    }
  });

  it("status names drop lines that root's auditd wrote to the journal, not lines anyone tagged auditd", async () => {
    type Status = { system: { journal: { lines: number } | null }; problems: Array<{ code: string }> };
    const status = async (): Promise<Status> =>
      JSON.parse((await inside('/usr/bin/node', CLI_IN, 'status', '--json')).stdout);
    const dropped = (s: Status) => s.problems.some((p) => p.code === 'AUDIT_RECORDS_DROPPED');
    const before = await status();
    assert.notEqual(before.system.journal, null, 'journald answers');
    assert.equal(dropped(before), false);
    // auditd's words when its queue to plugins overflows (seen in the lab's syslog at q_depth 65536),
    // first from an unprivileged user under auditd's identifier, even from a program named auditd.
    const words = 'queue to plugins is full - dropping event';
    await inside('install', '-m', '0755', '/usr/bin/logger', '/run/auditd');
    await inside(
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'logger',
      '--tag',
      'auditd',
      words,
    );
    await inside(
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '/run/auditd',
      '--tag',
      'auditd',
      words,
    );
    // Then as root's auditd writes them: a process named auditd, alive while journald reads its name.
    await inside('/bin/sh', '-c', `(echo '${words}'; sleep 2) | /run/auditd --tag auditd`);
    const after = await waitFor(
      async () => {
        const s = await status();
        return dropped(s) ? s : undefined;
      },
      10_000,
      'status to name the drop',
    );
    assert.equal(after.system.journal?.lines, 1, "only root's auditd line counts");
    await inside('rm', '-f', '/run/auditd');
  });

  it('applies the forwarding configuration as root, with a real ticket, and restarts auditd', async () => {
    // The socket's first activation (above) already pulled in auditrelay-apply.service: with no keytab yet,
    // its preflight failed, it wrote nothing, and the daemon ran anyway.
    assert.equal(
      (await inside('systemctl', 'is-failed', 'auditrelay-apply.service')).stdout.trim(),
      'failed',
    );
    assert.notEqual((await inside('test', '-e', '/etc/audit/audisp-remote.conf')).code, 0, 'nothing written');
    const host = (await inside('hostname')).stdout.trim();
    await kdc.addPrincipal(`auditd/${host}`);
    const keytab = join(dir, 'device.key');
    await kdc.exportKeytab(keytab, [`auditd/${host}`]);
    await box.exec(
      [
        '/bin/sh',
        '-c',
        'mkdir -p /etc/audit && base64 -d > /etc/audit/audisp-remote.key && chmod 0400 /etc/audit/audisp-remote.key',
      ],
      readFileSync(keytab).toString('base64'),
    );
    const auditdStarts = async () =>
      (await inside('cat', '/run/auditd-stand-in.log')).stdout.split('\n').filter((l) => l !== '').length;
    const startsBefore = await auditdStarts();
    const started = await inside('systemctl', 'restart', 'auditrelay-apply.service');
    const journal = (await inside('journalctl', '-u', 'auditrelay-apply', '--no-pager', '-o', 'cat')).stdout;
    assert.equal(started.code, 0, journal);
    assert.equal(
      (await inside('systemctl', 'is-active', 'auditrelay-apply.service')).stdout.trim(),
      'active',
    );
    const remote = (await inside('cat', '/etc/audit/audisp-remote.conf')).stdout;
    assert.match(remote, /^transport = KRB5$/m);
    assert.match(
      remote,
      new RegExp(`^krb5_principal = auditd/${COLLECTOR_NAME.replaceAll('.', '\\.')}$`, 'm'),
    );
    assert.match((await inside('cat', '/etc/audit/auditd.conf')).stdout, /^write_logs = no$/m);
    assert.match(journal, new RegExp(`obtained a ticket for auditd/${COLLECTOR_NAME}`), 'a real ticket');
    assert.equal(await auditdStarts(), startsBefore + 1, 'apply restarted auditd once');
  });

  it('refuses to write when the preflight fails, and the daemon still starts', async () => {
    const other = join(dir, 'other.key');
    await kdc.addPrincipal('auditd/another-device');
    await kdc.exportKeytab(other, ['auditd/another-device']);
    await box.exec(
      [
        '/bin/sh',
        '-c',
        'base64 -d > /etc/audit/audisp-remote.key && chmod 0400 /etc/audit/audisp-remote.key',
      ],
      readFileSync(other).toString('base64'),
    );
    // A pending change (in place: the file is bind-mounted), so a write would show.
    writeFileSync(join(dir, 'auditrelay.toml'), configText(32768));
    const failed = await inside('systemctl', 'restart', 'auditrelay-apply.service');
    assert.notEqual(failed.code, 0, 'the unit fails');
    const journal = (await inside('journalctl', '-u', 'auditrelay-apply', '--no-pager', '-o', 'cat')).stdout;
    assert.match(journal, /nothing written \(--force writes anyway\) \[PREFLIGHT_FAILED\]/);
    assert.match(
      (await inside('cat', '/etc/audit/audisp-remote.conf')).stdout,
      /^queue_depth = 65536$/m,
      'unchanged',
    );
    assert.equal((await inside('systemctl', 'restart', 'auditrelay.service')).code, 0);
    assert.equal((await inside('systemctl', 'is-active', 'auditrelay.service')).stdout.trim(), 'active');
  });
});
