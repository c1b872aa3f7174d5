/**
 * The daemon's life under a (fake) service manager: READY/RELOADING/STOPPING/STATUS/WATCHDOG reach
 * NOTIFY_SOCKET; SIGHUP with a broken config keeps the old one; a good one takes effect; SIGTERM under
 * load answers every request it read before exiting 0; socket activation uses the passed fd.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { findByNonce, nonce } from '../harness/ausearch.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { configFor, startDaemon } from '../harness/daemon.js';
import { REPO_ROOT, waitFor } from '../harness/exec.js';
import { startNotifyListener } from '../harness/fake-systemd.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { RawClient } from '../harness/raw-client.js';

const skip = await whyNoKernelAudit();

describe('daemon lifecycle', { skip }, () => {
  let auditd: CapturingAuditd;
  before(async () => {
    auditd = await startCapturingAuditd();
  });
  after(async () => {
    await auditd?.stop();
  });

  it('speaks sd_notify: READY, WATCHDOG, RELOADING + MONOTONIC_USEC, STOPPING', async () => {
    const notify = await startNotifyListener();
    const daemon = await startDaemon({
      config: configFor([0], ['TRUSTED_APP']),
      env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '400000' },
    });
    try {
      const ready = await notify.waitFor('READY=1');
      assert.match(notify.messages()[ready] ?? '', /STATUS=emitted 0/);
      await notify.waitFor('WATCHDOG=1', ready);
      daemon.child.kill('SIGHUP');
      const reloading = await notify.waitFor('RELOADING=1', ready);
      assert.match(notify.messages()[reloading] ?? '', /MONOTONIC_USEC=\d+/);
      await notify.waitFor('READY=1', reloading);
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
    await notify.waitFor('STOPPING=1');
    await notify.stop();
  });

  it('does not ping the watchdog when WATCHDOG_PID is another process', async () => {
    const notify = await startNotifyListener();
    const daemon = await startDaemon({
      config: configFor([0], ['TRUSTED_APP']),
      env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '200000', WATCHDOG_PID: '1' },
    });
    await notify.waitFor('READY=1');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await daemon.stop();
    await notify.stop();
    assert.ok(!notify.messages().some((m) => m.includes('WATCHDOG=1')));
  });

  it('keeps the running config when a reload finds it broken, and applies a good one', async () => {
    const daemon = await startDaemon({ config: configFor([0], ['TRUSTED_APP']) });
    try {
      const client = await connect(daemon.socket);
      await assert.rejects(client.send({ type: 'USYS_CONFIG', op: 'x' }), { code: 'POLICY_DENIED' });
      const good = readFileSync(daemon.config, 'utf8');
      writeFileSync(daemon.config, `${good}\n[daemon]\nbogus = 1\n`);
      daemon.child.kill('SIGHUP');
      await waitFor(
        () => (daemon.log().includes('reload failed') ? true : undefined),
        5000,
        'the reload error',
      );
      assert.match(daemon.log(), /keeping the running configuration/);
      await client.send({ type: 'TRUSTED_APP', fields: { after: 'broken-reload' } });
      writeFileSync(
        daemon.config,
        good
          .replace('types = ["TRUSTED_APP"]', 'types = ["TRUSTED_APP", "USYS_CONFIG"]')
          .replace('[daemon]', '[daemon]\nmax_rate = 700\nmax_burst = 70'),
      );
      daemon.child.kill('SIGHUP');
      await waitFor(
        () => (daemon.log().includes('reloaded configuration') ? true : undefined),
        5000,
        'the reload',
      );
      await client.send({ type: 'USYS_CONFIG', op: 'x' });
      const status = (await client.status()) as { pace: unknown };
      assert.deepEqual(status.pace, { max_rate: 700, max_burst: 70 }, 'the pace changes on reload');
      await client.close();
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
  });

  it('answers every request it read before exiting on SIGTERM under load', async () => {
    const daemon = await startDaemon({ config: configFor([0], ['TRUSTED_APP']) });
    const raw = await RawClient.connect(daemon.socket);
    const tag = nonce();
    const total = 3000;
    raw.write(
      Array.from(
        { length: total },
        (_, i) => `{"id":${i},"type":"TRUSTED_APP","fields":{"tag":"${tag}","i":${i}}}\n`,
      ).join(''),
    );
    assert.equal((await raw.reply())?.['ok'], true);
    const exit = daemon.stop();
    const replies: Array<Record<string, unknown>> = [];
    for (;;) {
      const reply = await raw.reply();
      if (reply === undefined) break;
      replies.push(reply);
    }
    assert.equal(await exit, 0);
    const acked = replies.filter((r) => r['ok'] === true).length + 1;
    assert.ok(
      replies.every((r) => r['ok'] === true),
      'nothing read was refused or dropped',
    );
    const recorded = await waitFor(
      () => {
        const n = readFileSync(auditd.log, 'latin1').split(`tag="${tag}"`).length - 1;
        return n >= acked ? n : undefined;
      },
      10_000,
      'every acknowledged record in the log',
    );
    assert.equal(recorded, acked, 'every acknowledged event is recorded, and only those');
  });

  it('uses the socket systemd passes (LISTEN_FDS) instead of creating one', async () => {
    const path = `/tmp/auditrelay-activation-${process.pid}.sock`;
    const daemon = await startDaemon({
      config: configFor([0], ['TRUSTED_APP']).replace(
        'socket = "{socket}"',
        'socket = "/nonexistent/never.sock"',
      ),
      wrapper: ['python3', `${REPO_ROOT}test/harness/socket_activate.py`, path, '0600'],
      waitForSocket: false,
    });
    try {
      await waitFor(
        () => (daemon.log().includes('the socket systemd passed') ? true : undefined),
        10_000,
        'activation',
      );
      const n = nonce();
      const client = await connect(path);
      await client.send({ type: 'TRUSTED_APP', fields: { nonce: n } });
      await client.close();
      await findByNonce(auditd.log, n);
    } finally {
      assert.equal(await daemon.stop(), 0);
      rmSync(path, { force: true });
    }
  });
});
