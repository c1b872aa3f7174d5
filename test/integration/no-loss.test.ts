/**
 * Every record survives real outages, against the real pipeline: KDC, collector auditd in a network
 * namespace (configured as `auditrelay collector-config` recommends), device auditd (audit 3.0.9 on
 * Debian 12, 4.0.2 on Debian 13: both before the 4.0.4 fix, so audisp-remote crashes on a failed KRB5
 * connect), the daemon with its relay and tap. While kernel SYSCALL records (a temporary rule) and
 * another program's USER records are written at 50/s and at 500/s beside the application's events,
 * forwarding is broken one way or another; afterwards every record of all three kinds must be at the
 * collector — as sent, or wrapped and restored — and `auditrelay verify` must find nothing missing of
 * ours or of the others, every duplicate marked.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MARGIN } from '../../src/daemon/delivery.js';
import { nonce } from '../harness/ausearch.js';
import { run, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type Lab, labSyslog, startLab } from '../harness/lab.js';
import { addLoadRule, loadArrived, startLoad } from '../harness/load.js';
import { awaitSettled, daemonRecovery, linesAround, sender, sleep, verifyAll } from '../harness/outage.js';
import { RELEASES } from '../harness/releases.js';

const skip = await whyNoKernelAudit();
/** The application's events beside the load. */
const APP_RATE = 50;
/**
 * Retention for others' records sized for the longest outage here: two of 60 s at 500 syscalls and 500
 * PAM records a second — about 1,550 forwarded records a second and 500 EOE markers, so auditd's queue
 * (99,999) overflows after ~50 s and what follows (at ~350 bytes a record) must be kept until released.
 */
const FOREIGN_RETENTION = 64 * 1024 * 1024;
/** The longest outage (two of 60 s, 30 s apart) and its settling at 500/s stay well inside this. */
const TEST_TIMEOUT_MS = 480_000;

interface Outage {
  readonly title: string;
  /** Breaks forwarding and mends it; runs while the load runs. */
  readonly run: (lab: Lab) => Promise<void>;
}

const linkDown = async (lab: Lab, ms: number) => {
  await run('ip', ['link', 'set', 'dev', lab.ns.hostIf, 'down']);
  try {
    await sleep(ms);
  } finally {
    await run('ip', ['link', 'set', 'dev', lab.ns.hostIf, 'up']);
  }
};

/**
 * The collector blackholed: a blackhole route in its namespace for the device's address drops every
 * reply silently (no ICMP, no RST); the connection stays open and nothing answers.
 */
const blackhole = async (lab: Lab, ms: number) => {
  const route = ['netns', 'exec', lab.ns.name, 'ip', 'route'];
  const added = await run('ip', [...route, 'add', 'blackhole', `${lab.ns.hostIp}/32`]);
  assert.equal(added.code, 0, `blackhole route: ${added.stderr}`);
  try {
    await sleep(ms);
  } finally {
    await run('ip', [...route, 'del', 'blackhole', `${lab.ns.hostIp}/32`]);
  }
};

const OUTAGES: readonly Outage[] = [
  { title: 'the link down for 10 s', run: (lab) => linkDown(lab, 10_000) },
  {
    title: 'the link down for 60 s, twice, 30 s apart (no lock-out at the collector)',
    run: async (lab) => {
      await linkDown(lab, 60_000);
      await sleep(30_000);
      await linkDown(lab, 60_000);
    },
  },
  { title: 'a blackholed collector for 10 s', run: (lab) => blackhole(lab, 10_000) },
  {
    title: 'the collector restarted',
    run: async (lab) => {
      await lab.collector.stop();
      await sleep(5000);
      await lab.collector.start();
    },
  },
  {
    title: 'the KDC down during a 10 s link outage and for 10 s after it',
    run: async (lab) => {
      await lab.kdc.stopServer();
      try {
        await linkDown(lab, 10_000);
        await sleep(10_000);
      } finally {
        await lab.kdc.startServer();
      }
    },
  },
  { title: 'auditd restarted', run: (lab) => lab.restartDeviceAuditd() },
  {
    title: 'audisp-remote killed with SIGKILL, twice',
    run: async (lab) => {
      for (let k = 0; k < 2; k++) {
        const pid = await waitFor(() => lab.device.audispRemote(), 20_000, 'audisp-remote');
        process.kill(pid, 'SIGKILL');
        await sleep(2000);
      }
    },
  },
];

/** How often auditd saw audisp-remote end unexpectedly (a crash or a kill), in this auditd's syslog. */
const crashCount = (device: Lab['device']) =>
  device.syslog().filter((l) => /terminated unexpectedly/.test(l)).length;

/** The collector log from `offset` on (the suite's lab writes one file, far below its rotation size). */
function logSince(lab: Lab, offset: number): string {
  const size = statSync(lab.collector.log).size;
  const fd = openSync(lab.collector.log, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

for (const release of RELEASES) {
  describe(`every record survives outages, the device on ${release.title} (audit ${release.auditVersion}, KRB5)`, {
    skip: skip ?? release.unavailable(),
  }, () => {
    let lab: Lab;
    let removeRule: () => Promise<void>;
    before(async () => {
      lab = await startLab({
        heartbeat: '1s',
        release,
        daemon: [`foreign_retention_bytes = ${FOREIGN_RETENTION}`],
      });
      removeRule = await addLoadRule();
      await awaitSettled(lab);
    });
    after(async () => {
      await removeRule?.();
      await lab?.stop();
    });

    for (const rate of [50, 500])
      for (const outage of OUTAGES)
        it(`${release.title}, ${rate}/s: ${outage.title}`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
          const offset = statSync(lab.collector.log).size;
          const deviceBefore = lab.device;
          const crashesBefore = crashCount(deviceBefore);
          const atStart = await daemonRecovery(lab);
          const before = atStart.recovery;
          const tag = nonce();
          const load = startLoad(rate, tag);
          const app = await sender(lab, tag);
          let sending = true;
          // The application's events beside the load, a tenth of a second's worth at a time.
          const appLoop = (async () => {
            for (let tick = 1, start = Date.now(); sending; tick++) {
              await Promise.all(Array.from({ length: APP_RATE / 10 }, () => app.send()));
              await sleep(Math.max(0, start + tick * 100 - Date.now()));
            }
          })();
          await sleep(2000);
          const broke = Date.now();
          await outage.run(lab);
          await sleep(3000);
          sending = false;
          await appLoop;
          await app.close();
          const seconds = (Date.now() - broke) / 1000 + 2;
          const written = await load.stop();
          assert.ok(
            written >= rate * seconds * 0.5,
            `the load ran: ${written} records of each kind in ${seconds.toFixed(0)} s`,
          );
          // Everything at the collector: all three kinds, as sent or wrapped.
          let arrived = loadArrived('', load);
          let appSeen = new Set<number>();
          try {
            await waitFor(
              () => {
                const text = logSince(lab, offset);
                arrived = loadArrived(text, load);
                appSeen = new Set(
                  [...text.matchAll(new RegExp(`tag="${tag}" i="(\\d+)"`, 'g'))].map((m) => Number(m[1])),
                );
                return arrived.kernel.size === written &&
                  arrived.user.size === written &&
                  app.acked.every((i) => appSeen.has(i))
                  ? true
                  : undefined;
              },
              240_000,
              'every record at the collector',
            );
          } catch (error) {
            const status = await daemonRecovery(lab).catch((e: unknown) => String(e));
            throw new Error(
              `${String(error)}: of ${written} kernel ${arrived.kernel.size} arrived, of ${written} user ${arrived.user.size}, of ${app.acked.length} app events ${app.acked.filter((i) => appSeen.has(i)).length}\n` +
                `${JSON.stringify(status)}\n${labSyslog(lab)}\n${lab.daemon.log().split('\n').slice(-30).join('\n')}`,
            );
          }
          const status = await awaitSettled(lab, 240_000);
          const { code, report, others, stdout, devices } = await verifyAll(lab, status.run);
          assert.equal(
            report.missingCount,
            0,
            `ours missing: ${JSON.stringify(report.missing)}; the run is accounted to ${JSON.stringify(devices)}; ` +
              `recovery ${JSON.stringify(status.recovery)}\n${linesAround(lab, status.run, report.missing)}`,
          );
          assert.deepEqual(devices, [report.device], 'the whole run is accounted to one device');
          assert.equal(
            report.unmarkedDuplicates,
            0,
            'every duplicate of ours is marked (or is audisp-remote retrying)',
          );
          assert.ok(others !== undefined, `verify read this run's tallies: ${stdout.slice(0, 2000)}`);
          assert.equal(
            others.missingKernel + others.missingUser,
            0,
            `others missing: ${JSON.stringify(others)}`,
          );
          assert.equal(others.overruns, 0, 'the tap kept up');
          assert.equal(code, 0, stdout.slice(-2000));
          assert.equal(status.recovery.lost + status.recovery.lost_foreign, 0);
          // A restarted auditd is a new process with its own syslog: count what the new one saw.
          const crashes = crashCount(lab.device) - (lab.device === deviceBefore ? crashesBefore : 0);
          const r = status.recovery;
          t.diagnostic(
            `${written} kernel + ${written} user records and ${app.acked.length} app events in ${((Date.now() - broke) / 1000).toFixed(0)} s: all at the collector ` +
              `(${arrived.kernelWrapped} kernel and ${arrived.userWrapped} user only wrapped); re-sent ${r.resent - before.resent} of ours and ${r.resent_foreign - before.resent_foreign} of others; ` +
              `verify of the run so far: ${report.duplicates} duplicates of ours (${report.transportRetries} audisp-remote retries), others ${others.foundKernel}/${others.expectedKernel} kernel, ${others.foundUser}/${others.expectedUser} user; ` +
              `audisp-remote ended unexpectedly ${crashes} times (the test's kills included); relay breaks ${(status.relay?.breaks ?? 0) - (atStart.relay?.breaks ?? 0)}, queue losses ${r.queue_losses - before.queue_losses}`,
          );
        });

    // Last: it loses records on purpose, and every later verify of this run would see them.
    it(`${release.title}: auditd gone longer than retention_window: status counts at most the margin more than verify names`, {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const config = readFileSync(lab.daemon.config, 'utf8');
      writeFileSync(lab.daemon.config, config.replace('[daemon]', '[daemon]\nretention_window = "3s"'));
      lab.daemon.child.kill('SIGHUP');
      await waitFor(
        () => (lab.daemon.log().includes('reloaded configuration') ? true : undefined),
        5000,
        'the reload',
      );
      const status0 = await awaitSettled(lab);
      const tag = nonce();
      const app = await sender(lab, tag);
      let sending = true;
      const loop = (async () => {
        while (sending) {
          await app.send();
          await sleep(100);
        }
      })();
      // No auditd for 8 s: what the kernel writes meanwhile reaches none, and ages out of a 3 s retention.
      await lab.restartDeviceAuditd(8000);
      await sleep(2000);
      sending = false;
      await loop;
      await app.close();
      const status = await awaitSettled(lab, 240_000);
      const { code, report } = await verifyAll(lab, status0.run);
      const lost = status.recovery.lost;
      t.diagnostic(
        `status: ${lost} of ours and ${status.recovery.lost_foreign} of others lost; verify: ${report.missingCount} of ours missing (${JSON.stringify(report.missing)})`,
      );
      assert.ok(report.missingCount > 0, 'records written while no auditd ran aged out before their re-send');
      // Status counts what was at risk when it left retention: all that verify names, and at most the
      // margin re-sent before the delivered position (which had arrived) more.
      assert.ok(lost >= report.missingCount, `status ${lost} ≥ verify ${report.missingCount}`);
      assert.ok(
        lost <= report.missingCount + MARGIN,
        `status ${lost} ≤ verify ${report.missingCount} + ${MARGIN}`,
      );
      assert.equal(code, 65);
    });
  });
}
