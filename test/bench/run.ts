/**
 * `npm run bench`: every auditrelay figure beside the C baseline measured in the same run, printed as a
 * table and saved to .bench/latest.json (with the machine it ran on) for `npm run evidence`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { startCapturingAuditd } from '../harness/capturing-auditd.js';
import { whyNoArm64Emulation } from '../harness/emulation.js';
import { REPO_ROOT } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { benchNodeFlags } from '../harness/unit-flags.js';
import { benchArm64 } from './arm64-bench.js';
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
  let failed = 0;
  /** Runs one section and prints it at once: a later section that fails loses none of the figures. */
  const section = async (title: string, measure: () => Promise<BenchRow[]>): Promise<void> => {
    let rows: BenchRow[];
    try {
      rows = await measure();
    } catch (error) {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      rows = [{ name: 'FAILED', value: Number.NaN, unit: '', note: message }];
    }
    sections[title] = rows;
    printRows(title, rows);
  };
  const auditd = await startCapturingAuditd({ writeLogs: false });
  let cCpu: number | undefined;
  try {
    let emitter: Awaited<ReturnType<typeof benchEmitter>> | undefined;
    await section('Emit into the kernel (auditd running, write_logs = no)', async () => {
      emitter = await benchEmitter(N, ROUNDS);
      return emitter.rows;
    });
    if (emitter === undefined) return 1; // every other figure is read against its C baseline
    const { cMedian, cCpuPerMillion } = emitter;
    cCpu = cCpuPerMillion;
    const flags = benchNodeFlags().join(' ');
    await section(`The daemon, through its socket (node ${flags}, as auditrelay.service runs it)`, () =>
      benchDaemon(N, ROUNDS, cMedian),
    );
    await section(`The daemon's footprint (node ${flags})`, () =>
      benchFootprint(MILLIONS, SOAK_MINUTES, cCpuPerMillion),
    );
    await section('One-shot commands (wall time, spawn to exit)', () => benchCli(Math.max(ROUNDS, 10)));
    const arm64 = whyNoArm64Emulation();
    await section(
      "arm64 under qemu-user, cortex-a53 (emulation on this machine, not a board's speed)",
      async () =>
        arm64 === undefined
          ? benchArm64(Math.floor(N / 4), Math.min(ROUNDS, 3))
          : [{ name: 'not measured', value: Number.NaN, unit: '', note: arm64 }],
    );
  } finally {
    await auditd.stop();
  }
  await section('End to end: app → auditd → audisp-remote (KRB5) → collector, in the lab', () =>
    benchEndToEnd(N, Math.min(ROUNDS, 3)),
  );
  await section('No loss: retention, numbering, relay and tap, recovery (lab, KRB5)', () =>
    benchRecovery(cCpu),
  );
  mkdirSync(`${REPO_ROOT}.bench`, { recursive: true });
  writeFileSync(
    `${REPO_ROOT}.bench/latest.json`,
    `${JSON.stringify({ date: new Date().toISOString(), n: N, rounds: ROUNDS, machine, sections }, null, 2)}\n`,
  );
  if (failed > 0) process.stderr.write(`bench: ${failed} section(s) failed (their FAILED rows say why)\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
