/**
 * `npm run demo`: the main job on an embedded default, in a throwaway lab that leaves the machine as it
 * found it. A KDC, a collector auditd in its own network namespace, the device auditd configured by
 * `auditrelay apply`, and `auditrelay run`; then a handful of realistic events (one hostile), shown as the
 * collector decoded them, with the capture verdict (encrypted?) and the local-storage verdict; then a
 * collector outage with events during it, the collector's return, and `auditrelay verify` at the collector.
 * `--keep` leaves the lab running and prints how to send your own events; Ctrl-C then tears it down.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect, type EventInput } from '../../src/client.js';
import { fieldBytes, findByNonce } from '../harness/ausearch.js';
import { captureSecret } from '../harness/capture.js';
import { CLI, run } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type Lab, startLab } from '../harness/lab.js';
import { awaitEvery, awaitSettled, daemonRecovery, sender, sleep } from '../harness/outage.js';

const out = (text: string) => process.stdout.write(`${text}\n`);
const step = (text: string) => out(`\n▶ ${text}`);

const EVENTS: ReadonlyArray<EventInput> = [
  { type: 'USER_LOGIN', op: 'login', acct: 'alice', addr: '192.0.2.7', fields: { method: 'password' } },
  {
    type: 'USER_AUTH',
    op: 'authenticate',
    acct: 'mallory',
    addr: '198.51.100.9',
    result: 'failed',
    fields: { method: 'password' },
  },
  { type: 'USYS_CONFIG', op: 'set-config', fields: { setting: 'ntp.server', value: 'pool.example.org' } },
  { type: 'SOFTWARE_UPDATE', op: 'install', fields: { version: '2.4.1', sha256: '9f86d081884c7d65' } },
  {
    type: 'USYS_CONFIG',
    op: 'set-config',
    fields: { value: "evil' res=failed auid=0 x='", note: 'ünïcödé\nsecond line' },
  },
];

async function showEvents(lab: Lab): Promise<void> {
  step('sending five events through the socket (the TypeScript client), then reading them at the collector');
  const client = await connect(lab.daemon.socket);
  const nonces = EVENTS.map(() => `demo-${randomUUID().slice(0, 8)}`);
  await Promise.all(
    EVENTS.map((e, i) => client.send({ ...e, fields: { ...e.fields, nonce: nonces[i] ?? '' } })),
  );
  await client.close();
  for (const nonce of nonces) {
    const record = await findByNonce(lab.collector.log, nonce, 15_000);
    const wanted = ['op', 'acct', 'addr', 'res', 'sender_user'];
    const shown = wanted
      .filter((k) => record.interpreted.has(k))
      .map((k) => `${k}=${record.interpreted.get(k)}`);
    out(`  ${record.type.padEnd(16)} ${shown.join(' ')}`);
    for (const [name, raw] of record.raw) {
      if (['value', 'note', 'method', 'setting', 'version'].includes(name)) {
        const decoded = fieldBytes(record, name)?.toString('utf8');
        out(
          `      ${name} = ${JSON.stringify(decoded)}${raw.startsWith('"') ? '' : '   (hex-encoded in the record: it cannot forge fields)'}`,
        );
      }
    }
  }
}

async function showCapture(lab: Lab): Promise<void> {
  step('capturing the device → collector traffic on the veth (tcpdump) while sending a secret');
  const { pcap, secret } = await captureSecret(lab, 'demo');
  const plain = pcap.indexOf(secret) >= 0;
  out(
    `  ${pcap.length} bytes captured; the secret ${plain ? 'IS VISIBLE' : 'is not visible'} in them → encrypted: ${plain ? 'NO' : 'yes (Kerberos 5 / GSS-API)'}`,
  );
}

async function showStorage(lab: Lab): Promise<void> {
  step('local storage on the device');
  const status = JSON.parse(
    (await run('node', [CLI, 'status', '--config', lab.daemon.config, '--root', lab.root.root, '--json']))
      .stdout,
  );
  const auditd = readFileSync(lab.root.path('etc/audit/auditd.conf'), 'utf8');
  out(
    `  auditd.conf: ${/^write_logs = no$/m.test(auditd) ? 'write_logs = no (no audit log on the device)' : 'WRITES LOGS'}`,
  );
  out(
    `  audisp-remote.conf: ${/^mode = immediate$/m.test(readFileSync(lab.root.path('etc/audit/audisp-remote.conf'), 'utf8')) ? 'mode = immediate (no queue file)' : 'QUEUE FILE'}`,
  );
  const problems: Array<{ code: string; message: string }> = status.problems;
  out(
    `  auditrelay status: ${problems.length === 0 ? 'healthy' : problems.map((p) => `${p.code}`).join(', ')}`,
  );
  out(
    `  audisp-remote pid ${status.system.auditd.audisp_remote_pid}, connected to auditrelay's relay: ${status.system.auditd.relay_connected}; the relay's collector session: ${status.daemon.relay?.phase ?? 'none'}`,
  );
}

async function showOutage(lab: Lab): Promise<void> {
  step('a collector outage: the collector auditd stops for 5 s while an application keeps sending');
  const settled = await awaitSettled(lab);
  const tag = `demo-${randomUUID().slice(0, 8)}`;
  const s = await sender(lab, tag);
  await lab.collector.stop();
  const start = Date.now();
  while (Date.now() - start < 5000) {
    await s.send();
    await sleep(100);
  }
  const during = s.acked.length;
  out(
    `  ${during} events acknowledged during the outage: the relay holds audisp-remote (whose KRB5 reconnect would crash and lose its queue) until the collector answers`,
  );
  await lab.collector.start();
  const back = Date.now();
  await awaitEvery(lab, tag, s.acked, 60_000);
  await s.close();
  const { recovery } = await daemonRecovery(lab);
  const resent =
    recovery.resent + recovery.resent_foreign - settled.recovery.resent - settled.recovery.resent_foreign;
  out(
    `  collector back; all ${during} events there ${((Date.now() - back) / 1000).toFixed(1)} s later; ${resent} records re-sent by the daemon (the relay held audisp-remote, which sent them itself)`,
  );
  step('auditrelay verify, run on the collector against its log directory');
  const verify = await run(process.execPath, [CLI, 'verify', dirname(lab.collector.log)]);
  for (const line of verify.stdout.trimEnd().split('\n')) out(`  ${line}`);
  out(`  exit ${verify.code}${verify.code === 0 ? ': nothing missing' : ''}`);
}

async function main(keep: boolean): Promise<number> {
  const reason = await whyNoKernelAudit();
  if (reason !== undefined) {
    process.stderr.write(`demo: cannot run here: ${reason}\n`);
    return 1;
  }
  out(
    'auditrelay demo: app → auditrelay → libaudit → kernel → auditd (no local log) → audisp-remote (KRB5) → collector',
  );
  const lab = await startLab({ heartbeat: '10s', progress: (line) => out(`  ${line}`) });
  try {
    await showEvents(lab);
    await showCapture(lab);
    await showStorage(lab);
    await showOutage(lab);
    if (keep) {
      step('the lab keeps running (Ctrl-C tears it down). Try:');
      out(
        `  node ${CLI} emit --socket ${lab.daemon.socket} --type USER_LOGIN --op login --acct you --addr 192.0.2.1 hello=world`,
      );
      out(`  ausearch -if ${lab.collector.log} -i -m USER_LOGIN | tail -3`);
      out(`  node ${CLI} status --config ${lab.daemon.config} --root ${lab.root.root}`);
      out(`  node ${CLI} verify ${dirname(lab.collector.log)}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    step('tearing the lab down (by PID), restoring kernel audit state, removing the namespace');
    await lab.stop();
  }
  out('  done: the machine is as it was.');
  return 0;
}

process.exitCode = await main(process.argv.includes('--keep'));
