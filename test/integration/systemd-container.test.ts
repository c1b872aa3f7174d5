/**
 * auditrelay under a real systemd (Debian 12 in systemd-nspawn): the socket unit starts the service on the
 * first event, READY=1 makes it active, events land in the (host's) kernel audit from inside the unit's
 * sandbox as the unprivileged user, `systemctl reload` reloads, a daemon that stops pinging the
 * watchdog is killed and restarted, and `status` finds auditd's drop lines in journald.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findByNonce } from '../harness/ausearch.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { bootContainer, type Container, ensureRootfs } from '../harness/container.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';

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

describe('under a real systemd', { skip }, () => {
  let dir: string;
  let auditd: CapturingAuditd;
  let box: Container;
  const inside = (...args: string[]) => box.exec(args);
  const mainPid = async () =>
    (await inside('systemctl', 'show', '-p', 'MainPID', '--value', 'auditrelay.service')).stdout.trim();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditrelay-container-'));
    const installed = await run('node', [CLI, 'install', '--root', join(dir, 'root')]);
    assert.equal(installed.code, 0, installed.stderr);
    writeFileSync(
      join(dir, 'auditrelay.toml'),
      '[daemon]\nheartbeat_interval = "0s"\n[[clients]]\nname = "root"\nuids = [0]\ntypes = ["TRUSTED_APP"]\n',
    );
    writeFileSync(join(dir, 'watchdog.conf'), '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=2s\n');
    auditd = await startCapturingAuditd();
    const root = join(dir, 'root');
    box = await bootContainer([
      ['/usr/bin/node', '/usr/bin/node'],
      [`${root}/usr/lib/auditrelay`, '/usr/lib/auditrelay'],
      [`${root}${UNIT_DIR}/auditrelay.service`, '/etc/systemd/system/auditrelay.service'],
      [`${root}${UNIT_DIR}/auditrelay.socket`, '/etc/systemd/system/auditrelay.socket'],
      [`${root}/usr/lib/sysusers.d/auditrelay.conf`, '/etc/sysusers.d/auditrelay.conf'],
      [join(dir, 'auditrelay.toml'), '/etc/auditrelay/auditrelay.toml'],
      [join(dir, 'watchdog.conf'), '/etc/systemd/system/auditrelay.service.d/watchdog.conf'],
    ]);
  });
  after(async () => {
    await box?.stop();
    await auditd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the service on the first event and records it from inside the sandbox', async () => {
    assert.equal((await inside('systemctl', 'enable', '--now', 'auditrelay.socket')).code, 0);
    assert.equal((await inside('systemctl', 'is-active', 'auditrelay.service')).stdout.trim(), 'inactive');
    const nonce = `N${randomUUID().replaceAll('-', '')}`;
    const sent = await inside(
      '/usr/bin/node',
      CLI_IN,
      'emit',
      '--socket',
      '/run/auditrelay/events.sock',
      '--type',
      'TRUSTED_APP',
      `nonce=${nonce}`,
    );
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(
      (await inside('systemctl', 'is-active', 'auditrelay.service')).stdout.trim(),
      'active',
      'READY=1 reached systemd',
    );
    const uid = (await inside('id', '-u', 'auditrelay')).stdout.trim();
    const record = await findByNonce(auditd.log, nonce);
    assert.equal(record.raw.get('uid'), uid, 'written by the unprivileged auditrelay user');
    const status = (await inside('systemctl', 'show', '-p', 'StatusText', '--value', 'auditrelay.service'))
      .stdout;
    assert.match(status, /emitted/);
  });

  it('reloads on systemctl reload', async () => {
    const before = await mainPid();
    const reload = await inside('systemctl', 'reload', 'auditrelay.service');
    assert.equal(reload.code, 0, reload.stderr);
    await waitFor(
      async () =>
        (await inside('journalctl', '-u', 'auditrelay', '--no-pager')).stdout.includes(
          'reloaded configuration',
        )
          ? true
          : undefined,
      10_000,
      'the reload in the journal',
    );
    assert.equal(await mainPid(), before, 'the same process, reloaded');
  });

  it('kills and restarts a daemon that stops pinging the watchdog', async () => {
    const frozen = await mainPid();
    await inside('/bin/sh', '-c', `kill -STOP ${frozen}`);
    await waitFor(
      async () =>
        (await inside('journalctl', '-u', 'auditrelay', '--no-pager')).stdout.includes(
          "Failed with result 'watchdog'",
        )
          ? true
          : undefined,
      20_000,
      'the watchdog to fire',
    );
    const restarted = await waitFor(
      async () => {
        const pid = await mainPid();
        const active =
          (await inside('systemctl', 'is-active', 'auditrelay.service')).stdout.trim() === 'active';
        return active && pid !== frozen && pid !== '0' ? pid : undefined;
      },
      20_000,
      'the restarted daemon',
    );
    assert.notEqual(restarted, frozen);
  });

  it('status names drop lines in the journal (written here with logger, as auditd writes them)', async () => {
    type Status = { system: { journal: { lines: number } | null }; problems: Array<{ code: string }> };
    const status = async (): Promise<Status> =>
      JSON.parse((await inside('/usr/bin/node', CLI_IN, 'status', '--json')).stdout);
    const dropped = (s: Status) => s.problems.some((p) => p.code === 'AUDIT_RECORDS_DROPPED');
    const before = await status();
    assert.notEqual(before.system.journal, null, 'journald answers');
    assert.equal(dropped(before), false);
    // auditd's words when its queue to plugins overflows (seen in the lab's syslog at q_depth 65536).
    await inside('logger', '--tag', 'auditd', 'queue to plugins is full - dropping event');
    const after = await waitFor(
      async () => {
        const s = await status();
        return dropped(s) ? s : undefined;
      },
      10_000,
      'status to name the drop',
    );
    assert.equal(after.system.journal?.lines, 1);
  });
});
