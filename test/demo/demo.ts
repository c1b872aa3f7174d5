/**
 * `npm run demo`: the main job on an embedded default, in a throwaway lab that leaves the machine as it
 * found it. Today: a private auditd owns kernel audit, auditrelay writes a handful of realistic events
 * (one with hostile values) through libaudit, and we print them as `ausearch -i` decodes them.
 */
import { randomUUID } from 'node:crypto';
import { fieldBytes, findByNonce } from '../harness/ausearch.js';
import { startCapturingAuditd } from '../harness/capturing-auditd.js';
import { CLI, run } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';

const step = (text: string) => process.stdout.write(`\n▶ ${text}\n`);

const EVENTS: ReadonlyArray<readonly string[]> = [
  ['--type', 'USER_LOGIN', '--op', 'login', '--acct', 'alice', '--addr', '192.0.2.7', 'method=password'],
  [
    '--type',
    'USER_AUTH',
    '--op',
    'authenticate',
    '--acct',
    'mallory',
    '--result',
    'failed',
    '--addr',
    '198.51.100.9',
  ],
  ['--type', 'USYS_CONFIG', '--op', 'set-config', 'setting=ntp.server', 'value=pool.example.org'],
  ['--type', 'SOFTWARE_UPDATE', '--op', 'install', 'version=2.4.1', 'sha256=9f86d081884c7d65'],
  [
    '--type',
    'USYS_CONFIG',
    '--op',
    'set-config',
    "value=evil' res=failed auid=0 x='",
    'note=ünïcödé\nnewline',
  ],
];

async function main(): Promise<number> {
  const reason = await whyNoKernelAudit();
  if (reason !== undefined) {
    process.stderr.write(`demo: cannot run here: ${reason}\n`);
    return 1;
  }
  process.stdout.write('auditrelay demo — foundation stage: events into kernel audit through libaudit.\n');
  process.stdout.write(
    '(Kerberos forwarding to a collector is not built yet; this lab stores records in a temp dir.)\n',
  );
  step('starting a private auditd (temp dir, stopped by PID afterwards)');
  const auditd = await startCapturingAuditd();
  try {
    step('recording events with `auditrelay emit --direct`');
    const nonces: string[] = [];
    for (const args of EVENTS) {
      const nonce = `demo-${randomUUID().slice(0, 8)}`;
      const result = await run('node', [CLI, 'emit', '--direct', ...args, `nonce=${nonce}`]);
      process.stdout.write(
        `  ${result.code === 0 ? '✔' : '✖'} ${args.slice(0, 2).join(' ')} ${result.stdout.trim()}${result.stderr.trim()}\n`,
      );
      nonces.push(nonce);
    }
    step("as `ausearch -i` shows them (hex values decoded by auditrelay's decoder in brackets)");
    for (const nonce of nonces) {
      const record = await findByNonce(auditd.log, nonce);
      process.stdout.write(`  ${record.interpretedLine.replace(/^node=\S+ /, '')}\n`);
      for (const name of ['value', 'note']) {
        const raw = record.raw.get(name);
        if (raw !== undefined && !raw.startsWith('"')) {
          process.stdout.write(
            `      ${name} = ${JSON.stringify(fieldBytes(record, name)?.toString('utf8'))}\n`,
          );
        }
      }
    }
  } finally {
    step('stopping the private auditd and restoring kernel audit state');
    await auditd.stop();
  }
  process.stdout.write('  done: machine left as found.\n');
  return 0;
}

process.exitCode = await main();
