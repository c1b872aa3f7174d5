/**
 * The promise, shown against the real thing: an application event becomes a record on the customer's
 * collector, exactly; the wire carries only Kerberos-wrapped data; nothing lands on the device's disks;
 * every acknowledged event arrives exactly once; a wrong Kerberos setup is named before events are lost —
 * with the device on each Debian release we target (its auditd, audisp-remote and Node). Outages are
 * no-loss.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { fieldBytes, findByNonce, nonce } from '../harness/ausearch.js';
import { captureSecret } from '../harness/capture.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { kernelStatus, whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type Lab, labSyslog, startLab } from '../harness/lab.js';
import { RELEASES } from '../harness/releases.js';

const skip = await whyNoKernelAudit();
const count = (text: string, needle: string) => text.split(needle).length - 1;
/** auditd's only report of a burst that overflowed its queue to audisp-remote (platform-facts). */
const PLUGIN_QUEUE_FULL = 'queue to plugins is full';
/** Where audit, syslog and journald keep records on Debian: any change there is local storage. */
const RECORD_PLACES = ['/var/log/', '/var/spool/', '/var/lib/systemd/', '/etc/audit/'];

/**
 * Waits until `expected` records tagged `tag` are in the collector log. On timeout the error says how
 * many arrived and what auditd and audisp-remote told syslog (drops, reconnects, crashes).
 */
async function awaitArrival(lab: Lab, tag: string, expected: number, timeoutMs: number) {
  try {
    return await waitFor(
      () => {
        const log = readFileSync(lab.collector.log, 'latin1');
        return count(log, `tag="${tag}"`) >= expected ? log : undefined;
      },
      timeoutMs,
      `${expected} events at the collector`,
    );
  } catch (error) {
    const arrived = count(readFileSync(lab.collector.log, 'latin1'), `tag="${tag}"`);
    throw new Error(`${String(error)}: ${arrived} of ${expected} arrived.\n${labSyslog(lab)}`);
  }
}

function assertNoPluginQueueDrops(lab: Lab) {
  const drops = lab.device.syslog().filter((l) => l.includes(PLUGIN_QUEUE_FULL));
  assert.deepEqual(drops, [], 'auditd dropped records at its plugin queue (q_depth)');
}

const HOSTILE = {
  quotes: 'he said "hi"',
  apostrophe: "mallory' uid=0 auid=0 res=failed x='",
  spaces: 'a  b ',
  newline: 'one\ntwo',
  utf8: 'é€😀',
  forgery: 'x res=failed auid=0',
};

for (const release of RELEASES) {
  describe(`end to end over Kerberos, the device on ${release.title} (audit ${release.auditVersion})`, {
    skip: skip ?? release.unavailable(),
  }, () => {
    let lab: Lab;
    before(async () => {
      lab = await startLab({ heartbeat: '1s', release });
    });
    after(async () => {
      await lab?.stop();
    });

    it(`${release.title}: runs the daemon on that release's Node, and its auditd and audisp-remote`, () => {
      const inRoot = (pid: number | undefined) => readlinkSync(`/proc/${pid}/root`);
      const remote = lab.device.audispRemote();
      assert.deepEqual([lab.daemon.child.pid, lab.device.pid, remote].map(inRoot), [
        release.root(),
        release.root(),
        release.root(),
      ]);
      assert.match(readlinkSync(`/proc/${lab.daemon.child.pid}/exe`), /node/);
    });

    it(`${release.title}: delivers events of several kinds exactly: values, type, result, sender, device name`, async () => {
      const client = await connect(lab.daemon.socket);
      const events = [
        { type: 'USER_LOGIN', op: 'login', acct: 'alice', addr: '192.0.2.7', fields: { method: 'password' } },
        {
          type: 'USER_AUTH',
          op: 'authenticate',
          acct: 'mallory',
          addr: '198.51.100.9',
          result: 'failed' as const,
        },
        {
          type: 'USYS_CONFIG',
          op: 'set-config',
          fields: { setting: 'ntp.server', value: 'pool.example.org' },
        },
        { type: 'ADD_USER', op: 'add-user', acct: 'bob', fields: { role: 'operator' } },
        { type: 'USYS_CONFIG', op: 'set-config', fields: HOSTILE },
      ];
      const nonces = events.map(() => nonce());
      await Promise.all(
        events.map((e, i) => client.send({ ...e, fields: { ...e.fields, nonce: nonces[i] ?? '' } })),
      );
      await client.close();
      for (const [i, event] of events.entries()) {
        const record = await findByNonce(lab.collector.log, nonces[i] ?? '', 15_000);
        assert.equal(record.type, event.type);
        assert.equal(record.interpreted.get('res'), event.result ?? 'success');
        assert.equal(record.interpreted.get('op'), event.op);
        if (event.acct !== undefined) assert.equal(record.interpreted.get('acct'), event.acct);
        if (event.addr !== undefined) assert.equal(record.interpreted.get('addr'), event.addr);
        for (const [name, value] of Object.entries(event.fields ?? {})) {
          assert.equal(fieldBytes(record, name)?.toString('utf8'), value, name);
        }
        assert.equal(record.raw.get('sender_process'), String(process.pid));
        assert.equal(record.raw.get('sender_user'), '0');
        assert.match(
          record.rawLine,
          new RegExp(`^node=${hostname()} `),
          'the device names itself (name_format = hostname)',
        );
        assert.equal(record.interpreted.get('auid'), 'unset', 'forgery attempts stay inside their values');
      }
    });

    it(`${release.title}: carries no plaintext on the wire with krb5`, async () => {
      const { pcap, secret } = await captureSecret(lab, 'krb5');
      assert.ok(pcap.length > 200, 'the capture saw the traffic');
      assert.equal(pcap.indexOf(secret), -1, 'the nonce is not in the captured bytes');
      assert.equal(pcap.indexOf('type=USYS_CONFIG'), -1);
      assert.equal(pcap.indexOf('exe='), -1);
    });

    it(`${release.title}: stores nothing on the device during a burst of 10,000 events`, async () => {
      const marker = `${lab.root.root}/before-burst`;
      writeFileSync(marker, '');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const tag = nonce();
      const input = Array.from({ length: 10_000 }, (_, i) =>
        JSON.stringify({ type: 'TRUSTED_APP', fields: { tag, i } }),
      ).join('\n');
      const sent = await run('node', [CLI, 'emit', '--socket', lab.daemon.socket, '--stdin'], { input });
      assert.equal(sent.code, 0, sent.stderr);
      await awaitArrival(lab, tag, 10_000, 60_000);
      assertNoPluginQueueDrops(lab);
      const prune = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp']
        .flatMap((p) => ['-path', p, '-o'])
        .slice(0, -1);
      const found = await run('find', [
        '/',
        '-xdev',
        '(',
        ...prune,
        ')',
        '-prune',
        '-o',
        '-type',
        'f',
        '-newer',
        marker,
        '-print',
      ]);
      const changed = found.stdout.split('\n').filter((l) => l !== '');
      // Other programs on the machine may write files meanwhile (a CI runner's own log, say); what must
      // not change is any place audit or journald keeps records, and no changed file may hold the burst.
      // The device's own root too: on Debian 13 its auditd and journald would write there.
      const places = [...RECORD_PLACES, ...RECORD_PLACES.map((place) => join(release.root(), place))];
      const inRecordPlace = changed.filter((f) => places.some((place) => f.startsWith(place)));
      assert.deepEqual(inRecordPlace, [], 'no file changed where audit or journald store records');
      const holding = changed.length === 0 ? '' : (await run('grep', ['-lsF', tag, '--', ...changed])).stdout;
      assert.deepEqual(
        holding.split('\n').filter((l) => l !== ''),
        [],
        'no changed file holds the events',
      );
      const auditd = readFileSync(lab.root.path('etc/audit/auditd.conf'), 'utf8');
      assert.match(auditd, /^write_logs = no$/m);
      assert.match(
        readFileSync(lab.root.path('etc/audit/audisp-remote.conf'), 'utf8'),
        /^mode = immediate$/m,
      );
    });

    it(`${release.title}: delivers 100,000 events from 8 clients: every acknowledged one exactly once, kernel lost 0`, async () => {
      const lostBefore = Number((await kernelStatus())['lost']);
      const tag = nonce();
      const clients = await Promise.all(Array.from({ length: 8 }, () => connect(lab.daemon.socket)));
      let acked = 0;
      await Promise.all(
        clients.map(async (client, c) => {
          const window: Array<Promise<void>> = [];
          for (let i = 0; i < 12_500; i++) {
            window.push(client.send({ type: 'TRUSTED_APP', fields: { tag, c, i } }).then(() => void acked++));
            if (window.length >= 256) await Promise.all(window.splice(0));
          }
          await Promise.all(window);
          await client.close();
        }),
      );
      assert.equal(acked, 100_000);
      const text = await awaitArrival(lab, tag, acked, 120_000);
      assertNoPluginQueueDrops(lab);
      const seen = new Set<string>();
      for (const match of text.matchAll(new RegExp(`tag="${tag}" c="(\\d)" i="(\\d+)"`, 'g'))) {
        const key = `${match[1]}:${match[2]}`;
        assert.ok(!seen.has(key), `duplicate ${key}`);
        seen.add(key);
      }
      assert.equal(seen.size, 100_000);
      assert.equal(Number((await kernelStatus())['lost']), lostBefore, 'kernel lost nothing');
    });

    it(`${release.title}: names a wrong Kerberos setup before events are lost: KDC down, wrong keytab, unknown service`, async () => {
      const problems = async () =>
        JSON.parse(
          (
            await run('node', [
              CLI,
              'status',
              '--config',
              lab.daemon.config,
              '--root',
              lab.root.root,
              '--json',
            ])
          ).stdout,
        ).problems.map((p: { code: string }) => p.code);
      await lab.kdc.stopServer();
      try {
        assert.ok((await problems()).includes('KRB5_KDC_UNREACHABLE'));
      } finally {
        await lab.kdc.startServer();
      }
      const keytab = lab.root.path('etc/audit/audisp-remote.key');
      const good = readFileSync(keytab);
      await lab.kdc.addPrincipal('auditd/another-device');
      await lab.kdc.exportKeytab(keytab, ['auditd/another-device']);
      try {
        assert.ok((await problems()).includes('KEYTAB_PRINCIPAL_MISSING'));
      } finally {
        await run('rm', ['-f', keytab]);
        writeFileSync(keytab, good, { mode: 0o400 });
      }
      const wrong = readFileSync(lab.root.config, 'utf8').replace(
        /service_principal = .*/,
        'service_principal = "auditd/unknown.audit.test"',
      );
      writeFileSync(`${lab.root.root}/wrong.toml`, wrong);
      const apply = await lab.root.apply(['--json'], `${lab.root.root}/wrong.toml`);
      assert.equal(apply.code, 78);
      const report = JSON.parse(apply.stdout);
      assert.equal(report.written, false);
      assert.ok(report.preflight.checks.some((c: { code?: string }) => c.code === 'KRB5_SERVICE_UNKNOWN'));
      assert.deepEqual(await problems(), [], 'healthy again');
    });
  });
}

describe('end to end over plaintext TCP (the control for the capture)', { skip }, () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ transport: 'tcp' });
  });
  after(async () => {
    await lab?.stop();
  });

  it('shows the nonce in the captured bytes when the transport is plaintext', async () => {
    const { pcap, secret } = await captureSecret(lab, 'tcp');
    assert.ok(pcap.indexOf(secret) >= 0, 'a capture that can see plaintext does see it');
  });
});
