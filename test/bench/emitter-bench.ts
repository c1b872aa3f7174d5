/**
 * Emitter throughput against the C baseline (native/c/emit-baseline.c) in the same run, alternating
 * rounds so that drift hits both equally. auditd runs with write_logs = no, as on a device.
 */
import { Emitter } from '../../src/audit/emitter.js';
import type { EmitRecord } from '../../src/audit/record.js';
import { REPO_ROOT, run } from '../harness/exec.js';
import { type BenchRow, median } from './stats.js';

const BASELINE = `${REPO_ROOT}dist/test/bench/emit-baseline`;

function record(tag: string, i: number): EmitRecord {
  return { kind: 'user', type: 1121, message: `op=bench tag="${tag}" i="${i}"`, addr: null, success: true };
}

async function cLoop(n: number): Promise<number> {
  const { stdout, code, stderr } = await run(BASELINE, [String(n), 'c']);
  if (code !== 0) throw new Error(`emit-baseline failed (${code}): ${stderr}`);
  return (JSON.parse(stdout) as { events_per_s: number }).events_per_s;
}

async function emitterBatched(n: number): Promise<number> {
  const emitter = new Emitter();
  await emitter.emit(record('warm', 0));
  const start = process.hrtime.bigint();
  const outcomes = await Promise.all(Array.from({ length: n }, (_, i) => emitter.emit(record('batched', i))));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await emitter.close();
  if (outcomes.some((o) => !o.ok)) throw new Error('an emit failed during the benchmark');
  return n / seconds;
}

async function emitterSingle(n: number): Promise<number> {
  const emitter = new Emitter();
  await emitter.emit(record('warm', 0));
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const outcome = await emitter.emit(record('single', i));
    if (!outcome.ok) throw new Error(`emit failed: ${outcome.message}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await emitter.close();
  return n / seconds;
}

/** Runs `rounds` alternating rounds of N events each; returns the rows and the C median for others. */
export async function benchEmitter(
  n: number,
  rounds: number,
): Promise<{ rows: BenchRow[]; cMedian: number }> {
  const c: number[] = [];
  const batched: number[] = [];
  const single: number[] = [];
  for (let r = 0; r < rounds; r++) {
    c.push(await cLoop(n));
    batched.push(await emitterBatched(n));
    single.push(await emitterSingle(Math.floor(n / 4)));
  }
  const cMedian = median(c);
  return {
    cMedian,
    rows: [
      { name: 'C loop (libaudit, baseline)', value: cMedian, unit: 'ev/s' },
      { name: 'emitter, batched (Promise.all)', value: median(batched), unit: 'ev/s', baseline: cMedian },
      { name: 'emitter, one at a time (await each)', value: median(single), unit: 'ev/s', baseline: cMedian },
    ],
  };
}
