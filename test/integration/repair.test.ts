/**
 * Forwarding never dies for good, against the real pipeline with auditd's max_restarts = 2: audisp-remote
 * is killed until auditd no longer starts it; the daemon notices within REPAIR_AFTER_MS, status names it
 * (AUDISP_REMOTE_STOPPED), the daemon asks for a repair, and `auditrelay repair` — run as
 * auditrelay-repair.path would start it — restarts auditd (through the configured restart command) within
 * a minute of the exhaustion. Every event acknowledged before, during and after is at the collector.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repairRequestPath } from '../../src/forwarding/repair-request.js';
import { nonce } from '../harness/ausearch.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type Lab, startLab } from '../harness/lab.js';
import { awaitEvery, awaitSettled, daemonRecovery, sender, sleep, verifyAll } from '../harness/outage.js';
import { RELEASES } from '../harness/releases.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const skip = await whyNoKernelAudit();

for (const release of RELEASES) {
  describe(`forwarding never dies for good, the device on ${release.title} (auditd max_restarts = 2)`, {
    skip: skip ?? release.unavailable(),
  }, () => {
    let lab: Lab;
    const dir = makeTempDir('auditrelay-repair-');
    const flag = join(dir, 'restart-requested');
    before(async () => {
      lab = await startLab({
        heartbeat: '1s',
        release,
        auditd: ['max_restarts = 2', `restart_command = ["touch", "${flag}"]`],
      });
      await awaitSettled(lab);
    });
    after(async () => {
      await lab?.stop();
      removeTempDir(dir);
    });

    const problems = async (): Promise<string[]> => {
      const args = [CLI, 'status', '--config', lab.daemon.config, '--root', lab.root.root, '--json'];
      const { stdout } = await run(process.execPath, args);
      return (JSON.parse(stdout) as { problems: Array<{ code: string }> }).problems.map((p) => p.code);
    };
    /** What auditrelay-repair.path starts: repair, as root, with the configured restart command. */
    const repair = () =>
      run(process.execPath, [
        CLI,
        'repair',
        '--config',
        lab.daemon.config,
        '--state-dir',
        join(dir, 'state'),
        '--json',
      ]);

    it(`${release.title}: auditd is restarted within a minute once it no longer starts audisp-remote`, {
      timeout: 240_000,
    }, async (t) => {
      const tag = nonce();
      const s = await sender(lab, tag);
      let sending = true;
      const loop = (async () => {
        while (sending) {
          await s.send();
          await sleep(50);
        }
      })();
      t.after(async () => {
        sending = false;
        await loop.catch(() => undefined);
        await s.close().catch(() => undefined);
      });
      // Kill it until auditd gives up on it ("plugin … has exceeded max_restarts").
      let kills = 0;
      let exhaustedAt = 0;
      while (exhaustedAt === 0 && kills < 6) {
        const pid = await waitFor(() => lab.device.audispRemote(), 20_000, 'audisp-remote');
        process.kill(pid, 'SIGKILL');
        kills++;
        await waitFor(() => (lab.device.audispRemote() !== pid ? true : undefined), 5000, 'it to end');
        await sleep(3000); // records keep coming: auditd would have started a new one by now
        if (lab.device.audispRemote() === undefined) exhaustedAt = Date.now() - 3000;
      }
      assert.ok(exhaustedAt > 0, `auditd kept restarting audisp-remote after ${kills} kills`);
      assert.ok(
        lab.device.syslog().some((l) => /exceeded max_restarts/.test(l)),
        'auditd says so',
      );
      // The daemon sees it and asks; status names it.
      await waitFor(
        () => (existsSync(repairRequestPath(lab.daemon.socket)) ? true : undefined),
        40_000,
        'the request',
      );
      assert.ok((await problems()).includes('AUDISP_REMOTE_STOPPED'), 'status names it');
      const repaired = await repair();
      assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      assert.equal((JSON.parse(repaired.stdout) as { state: string }).state, 'auditd-restarted');
      assert.ok(existsSync(flag), 'the restart command ran');
      assert.ok(!existsSync(repairRequestPath(lab.daemon.socket)), 'the request is answered');
      await lab.restartDeviceAuditd(); // what `systemctl restart auditd` does
      const repairedIn = Date.now() - exhaustedAt;
      assert.ok(repairedIn < 60_000, `auditd restarted ${repairedIn} ms after the exhaustion`);
      await waitFor(
        async () => ((await daemonRecovery(lab)).forwarding.collectorConnected ? true : undefined),
        30_000,
        'forwarding back',
      );
      await sleep(2000);
      sending = false;
      await loop;
      await awaitEvery(lab, tag, s.acked, 120_000);
      const status = await awaitSettled(lab, 120_000);
      const { code, report, others, stdout } = await verifyAll(lab, status.run);
      assert.equal(report.missingCount, 0, JSON.stringify(report.missing));
      assert.equal((others?.missingKernel ?? 0) + (others?.missingUser ?? 0), 0, JSON.stringify(others));
      assert.equal(code, 0, stdout.slice(-1500));
      // A second repair finds forwarding running and does nothing.
      const again = await repair();
      assert.equal((JSON.parse(again.stdout) as { state: string }).state, 'healthy');
      t.diagnostic(
        `${kills} kills exhausted max_restarts = 2; repaired ${(repairedIn / 1000).toFixed(1)} s after; ${s.acked.length} events all at the collector`,
      );
    });
  });
}
