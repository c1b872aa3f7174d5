/**
 * The Debian 13 package under a real systemd: a throwaway copy of the trixie root gets systemd and the
 * .deb from the registry (apt-get, as an image builder would), then boots with systemd-nspawn. What the
 * maintainer scripts did is what boots: the socket enabled and listening, the service started by the
 * first event and made active by READY=1, the event in the (host's) kernel audit from inside the unit's
 * sandbox as the package's user, `systemctl reload`, and the watchdog killing a frozen daemon. The shipped
 * configuration names a collector but no keytab exists: apply fails, writes nothing, and the daemon runs.
 *
 * Nothing in the copy may touch the host's audit: auditd.service, audit-rules.service (it loads rules
 * into the kernel) and journald's audit socket are masked, and the container has a private network (the
 * shipped collector is collector.example.com: apply must not reach any network, and cannot).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { bootContainer, type Container } from '../harness/container.js';
import { whyNoDebian13Root } from '../harness/debian13-root.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';
import { ScratchRoot } from '../harness/throwaway-root.js';
import { expectReload, expectSocketActivation, expectWatchdogRestart } from '../harness/unit-checks.js';
import { buildDeb } from '../packaging/deb.js';

async function whyNot(): Promise<string | undefined> {
  const kernel = await whyNoKernelAudit();
  if (kernel !== undefined) return kernel;
  if (!existsSync('/usr/bin/systemd-nspawn')) return 'systemd-nspawn is not installed';
  return whyNoDebian13Root();
}

const skip = await whyNot();
const MASKED = ['auditd.service', 'audit-rules.service', 'systemd-journald-audit.socket'];

describe('the Debian 13 package under systemd', { skip }, () => {
  let dir: string;
  let scratch: ScratchRoot;
  let auditd: CapturingAuditd;
  let box: Container;
  const inside = (...args: string[]) => box.exec(args);
  const journal = async (unit: string) =>
    (await inside('journalctl', '-u', unit, '--no-pager', '-o', 'cat')).stdout;

  before(async () => {
    dir = makeTempDir('auditrelay-deb-systemd-', 0o755);
    const built = buildDeb();
    const deb = join(dir, basename(built));
    copyFileSync(built, deb);
    scratch = new ScratchRoot();
    for (const unit of MASKED) scratch.symlink(`etc/systemd/system/${unit}`, '/dev/null');
    // A short watchdog, so a frozen daemon is caught within the test (the unit ships 30 s).
    scratch.writeFile(
      'etc/systemd/system/auditrelay.service.d/watchdog.conf',
      '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=2s\n',
    );
    const installed = scratch.run(
      dir,
      [
        'export DEBIAN_FRONTEND=noninteractive',
        'apt-get update -qq >/dev/null',
        `apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus /opt/out/${basename(deb)} >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }`,
      ].join('\n'),
    );
    assert.equal(installed.code, 0, installed.output);
    auditd = await startCapturingAuditd();
    box = await bootContainer([], {
      root: scratch.merged,
      mounts: [scratch.mountStep()],
      privateNetwork: true,
    });
  });
  after(async () => {
    await box?.stop();
    await auditd?.stop();
    scratch?.remove();
    removeTempDir(dir);
  });

  it('Debian 13: the package enabled the socket, and the first event starts the service', async () => {
    assert.equal((await inside('systemctl', 'is-enabled', 'auditrelay.socket')).stdout.trim(), 'enabled');
    assert.equal((await inside('systemctl', 'is-active', 'auditrelay.socket')).stdout.trim(), 'active');
    // The shipped configuration lets root's "webui" client emit USYS_CONFIG.
    await expectSocketActivation(box, ['auditrelay', 'emit', '--type', 'USYS_CONFIG'], auditd.log);
  });

  it('Debian 13: forwarding is not started before an integrator configured it', async () => {
    assert.equal(
      (await inside('systemctl', 'is-failed', 'auditrelay-apply.service')).stdout.trim(),
      'failed',
    );
    assert.match(await journal('auditrelay-apply'), /\[KEYTAB_MISSING\]/);
    // audispd-plugins' own files, untouched: the plugin stays off, auditd keeps its defaults.
    assert.match((await inside('cat', '/etc/audit/plugins.d/au-remote.conf')).stdout, /^active = no$/m);
    assert.doesNotMatch((await inside('cat', '/etc/audit/auditd.conf')).stdout, /^write_logs = no$/m);
  });

  it('Debian 13: reloads on systemctl reload', () => expectReload(box));

  it('Debian 13: the watchdog kills and restarts a frozen daemon', () => expectWatchdogRestart(box));
});
