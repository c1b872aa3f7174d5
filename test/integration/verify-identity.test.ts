/**
 * verify against a real KRB5 collector with two device principals (#21 item 1): the lab's device emits
 * through the daemon; a second device — a real audisp-remote with its own principal and keytab from the
 * lab's KDC — writes a record naming the first device (its node= and its daemon's run id, a sequence
 * number far ahead). verify must account that record to the second principal and flag the mismatch,
 * leaving the first device's run whole; keyed by node= it would show the first device missing ~1,000.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { findByNonce, nonce } from '../harness/ausearch.js';
import { COLLECTOR_PORT } from '../harness/collector.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { REALM } from '../harness/kdc.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type Lab, labSyslog, startLab } from '../harness/lab.js';
import { freePrivilegedPort, type RemoteSender, startRemoteSender } from '../harness/remote-sender.js';

const skip = await whyNoKernelAudit();

interface VerifyRun {
  device: string;
  principal: string | null;
  node: string;
  run: string;
  lastSeq: number;
  missingCount: number;
  nodeDisagrees: number;
}

describe('verify over a real KRB5 collector: a device is the principal the collector authenticated', {
  skip,
}, () => {
  let lab: Lab;
  let sender: RemoteSender | undefined;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await sender?.stop();
    await lab?.stop();
  });

  it("accounts a record written under the device's node= and run id to the principal that sent it", async () => {
    const client = await connect(lab.daemon.socket);
    const ours = nonce();
    await client.send({ type: 'USYS_CONFIG', op: 'set-config', fields: { nonce: ours } });
    await client.close();
    const real = await findByNonce(lab.collector.log, ours, 15_000);
    const unquoted = (name: string) => real.raw.get(name)?.replaceAll('"', '') ?? '';
    const runId = unquoted('ar_run');
    const seq = Number(unquoted('ar_seq'));
    assert.match(runId, /^[0-9a-f]{12}$/);
    assert.match(
      real.rawLine,
      new RegExp(` krb5=auditd/${hostname()}@${REALM}$`),
      'the collector appends it',
    );

    sender = await startRemoteSender({
      kdc: lab.kdc,
      realm: REALM,
      hostname: 'spoofer',
      conf: readFileSync(lab.root.path('etc/audit/audisp-remote.conf'), 'utf8'),
      collector: { host: lab.ns.nsIp, port: COLLECTOR_PORT },
      localPort: await freePrivilegedPort(),
    });
    const forged = nonce();
    const now = (Date.now() / 1000).toFixed(3);
    sender.send([
      `node=${hostname()} type=TRUSTED_APP msg=audit(${now}:77): pid=1 uid=0 auid=4294967295 ses=4294967295 ` +
        `msg='op=set-config nonce=${forged} ar_run="${runId}" ar_seq="${seq + 1000}" exe="/usr/bin/node" ` +
        `hostname=? addr=? terminal=? res=success'`,
    ]);
    await waitFor(
      () => (readFileSync(lab.collector.log, 'latin1').includes(forged) ? true : undefined),
      20_000,
      `the second device's record at the collector\n${sender.syslog().join('\n')}\n${labSyslog(lab)}`,
    );

    const verify = await run(process.execPath, [CLI, 'verify', '--json', lab.collector.log]);
    const report = JSON.parse(verify.stdout) as { runs: VerifyRun[]; problems: Array<{ code: string }> };
    const device = `auditd/${hostname()}@${REALM}`;
    const mine = report.runs.find((r) => r.device === device && r.run === runId);
    assert.deepEqual(
      [mine?.principal, mine?.node, mine?.nodeDisagrees, mine?.missingCount],
      [device, hostname(), 0, 0],
      verify.stdout,
    );
    assert.ok((mine?.lastSeq ?? 0) < seq + 1000, "the forged number did not extend the device's run");
    const spoof = report.runs.find((r) => r.device === sender?.principal);
    assert.deepEqual([spoof?.run, spoof?.node, spoof?.nodeDisagrees], [runId, hostname(), 1], verify.stdout);
    assert.deepEqual(
      report.runs.filter((r) => r.principal === null),
      [],
      'every record of ours carries its principal, ENRICHED ones too',
    );
    assert.ok(report.problems.some((p) => p.code === 'VERIFY_NODE_MISMATCH'));
    assert.notEqual(verify.code, 0);
  });

  it('with --state reads only what is new from the live log, and reports what a one-shot verify does', async () => {
    const state = join(lab.root.root, 'verify.state');
    const logs = dirname(lab.collector.log);
    const incremental = async () =>
      JSON.parse((await run(process.execPath, [CLI, 'verify', '--json', '--state', state, logs])).stdout) as {
        read_bytes: number;
        runs: VerifyRun[];
      };
    const emitAndWait = async () => {
      const client = await connect(lab.daemon.socket);
      const n = nonce();
      for (let i = 0; i < 20; i++)
        await client.send({ type: 'USYS_CONFIG', op: 'set-config', fields: { nonce: `${n}-${i}` } });
      await client.close();
      await findByNonce(lab.collector.log, `${n}-19`, 15_000);
    };
    await emitAndWait();
    const first = await incremental();
    await emitAndWait();
    const size = statSync(lab.collector.log).size;
    const second = await incremental();
    assert.ok(
      second.read_bytes > 0 && second.read_bytes < size / 2,
      `read ${second.read_bytes} of ${size} bytes`,
    );
    const once = JSON.parse((await run(process.execPath, [CLI, 'verify', '--json', logs])).stdout) as {
      runs: VerifyRun[];
    };
    const mine = (runs: VerifyRun[]) => runs.find((r) => r.principal === `auditd/${hostname()}@${REALM}`);
    assert.ok((mine(second.runs)?.lastSeq ?? 0) > (mine(first.runs)?.lastSeq ?? 0));
    // The daemon keeps writing (heartbeats): compare up to what both read.
    assert.equal(mine(second.runs)?.missingCount, 0);
    assert.equal(mine(once.runs)?.missingCount, 0);
    assert.ok((mine(once.runs)?.lastSeq ?? 0) >= (mine(second.runs)?.lastSeq ?? 0));
  });
});
