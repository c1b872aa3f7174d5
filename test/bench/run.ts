/**
 * `npm run bench`: every auditrelay figure beside the C baseline measured in the same run, printed as a
 * table and saved to .bench/latest.json (with the machine it ran on) for `npm run evidence`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { startCapturingAuditd } from '../harness/capturing-auditd.js';
import { REPO_ROOT } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { unitNodeFlags } from '../harness/unit-flags.js';
import { benchCli } from './cli-bench.js';
import { benchDaemon } from './daemon-bench.js';
import { benchEndToEnd } from './e2e-bench.js';
import { benchEmitter } from './emitter-bench.js';
import { benchFootprint } from './footprint-bench.js';
import { benchRecovery } from './recovery-bench.js';
import { type BenchRow, printRows } from './stats.js';

const N = Number(process.env['BENCH_N'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
/** Millions of events for the RSS and CPU measurement. */
const MILLIONS = Number(process.env['BENCH_MILLIONS'] ?? 5);
/** Minutes of the soak at 5,000 events/s (0: none). */
const SOAK_MINUTES = Number(process.env['BENCH_SOAK_MINUTES'] ?? 10);

async function main(): Promise<number> {
  const reason = await whyNoKernelAudit();
  if (reason !== undefined) {
    process.stderr.write(`bench: cannot run: ${reason}\n`);
    return 1;
  }
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
  process.stdout.write(
    `auditrelay bench: N=${N}, ${ROUNDS} alternating rounds, medians, ${MILLIONS}M events, ${SOAK_MINUTES} min soak; ${JSON.stringify(machine)}\n`,
  );
  const sections: Record<string, BenchRow[]> = {};
  const auditd = await startCapturingAuditd({ writeLogs: false });
  try {
    const emitter = await benchEmitter(N, ROUNDS);
    sections['Emit into the kernel (auditd running, write_logs = no)'] = emitter.rows;
    const flags = unitNodeFlags().join(' ');
    sections[`The daemon, through its socket (node ${flags}, as auditrelay.service runs it)`] =
      await benchDaemon(N, ROUNDS, emitter.cMedian);
    sections[`The daemon's footprint (node ${flags})`] = await benchFootprint(
      MILLIONS,
      SOAK_MINUTES,
      emitter.cCpuPerMillion,
    );
    sections['One-shot commands (wall time, spawn to exit)'] = await benchCli(Math.max(ROUNDS, 10));
  } finally {
    await auditd.stop();
  }
  sections['End to end: app → auditd → audisp-remote (KRB5) → collector, in the lab'] = await benchEndToEnd(
    N,
    Math.min(ROUNDS, 3),
  );
  sections['No loss: retention, numbering, recovery (lab, KRB5)'] = await benchRecovery();
  for (const [title, rows] of Object.entries(sections)) printRows(title, rows);
  mkdirSync(`${REPO_ROOT}.bench`, { recursive: true });
  writeFileSync(
    `${REPO_ROOT}.bench/latest.json`,
    `${JSON.stringify({ date: new Date().toISOString(), n: N, rounds: ROUNDS, machine, sections }, null, 2)}\n`,
  );
  return 0;
}

process.exitCode = await main();
