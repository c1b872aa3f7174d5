/**
 * Emitter throughput against the C baseline (native/c/emit-baseline.c) in the same run, alternating
 * rounds so that drift hits both equally. auditd runs with write_logs = no, as on a device.
 */
import { Emitter } from '../../src/audit/emitter.js';
import type { EmitRecord } from '../../src/audit/record.js';
import { chrootSteps } from '../harness/chroot.js';
import { REPO_ROOT, run } from '../harness/exec.js';
import { withPrivateMounts } from '../harness/mount-ns.js';
import { DEBIAN_13 } from '../harness/releases.js';
import { type BenchRow, median } from './stats.js';

const BASELINE = `${REPO_ROOT}dist/test/bench/emit-baseline`;

function record(tag: string, i: number): EmitRecord {
  return { kind: 'user', type: 1121, message: `op=bench tag="${tag}" i="${i}"`, addr: null, success: true };
}

/** Seconds from bash's `times` line (`0m1.234s`). */
const seconds = (t: string) => {
  const m = /^(\d+)m([\d.]+)s$/.exec(t);
  return m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2]);
};

/** One C round: its rate, and its CPU time (user + system, from bash's `times` for its children). */
async function cLoop(n: number): Promise<{ rate: number; cpuSeconds: number }> {
  const { stdout, code, stderr } = await run('bash', [
    '-c',
    '"$@" && times >&2',
    'bash',
    BASELINE,
    String(n),
    'c',
  ]);
  if (code !== 0) throw new Error(`emit-baseline failed (${code}): ${stderr}`);
  const children = stderr.trim().split('\n').at(-1)?.split(' ') ?? [];
  return {
    rate: (JSON.parse(stdout) as { events_per_s: number }).events_per_s,
    cpuSeconds: seconds(children[0] ?? '') + seconds(children[1] ?? ''),
  };
}

export async function emitterBatched(n: number): Promise<number> {
  const emitter = new Emitter();
  await emitter.emit(record('warm', 0));
  const start = process.hrtime.bigint();
  const outcomes = await Promise.all(Array.from({ length: n }, (_, i) => emitter.emit(record('batched', i))));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await emitter.close();
  if (outcomes.some((o) => !o.ok)) throw new Error('an emit failed during the benchmark');
  return n / seconds;
}

export async function emitterSingle(n: number): Promise<number> {
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

/**
 * One emitter round on Debian 13's Node (and its libaudit), in the cached trixie root through chroot,
 * with the npm dependencies built there; the same kernel and auditd as the host's rounds.
 */
async function debian13Round(n: number, mode: 'batched' | 'single'): Promise<{ rate: number; node: string }> {
  const steps = chrootSteps(DEBIAN_13.root(), [
    { host: `${REPO_ROOT}dist`, inRoot: '/opt/auditrelay/dist', dir: true },
    { host: DEBIAN_13.nodeModules() ?? '', inRoot: '/opt/auditrelay/node_modules', dir: true },
    { host: `${REPO_ROOT}package.json`, inRoot: '/opt/auditrelay/package.json', dir: false },
  ]);
  const child = '/opt/auditrelay/dist/test/bench/emitter-child.js';
  const words = withPrivateMounts(steps, [
    'chroot',
    DEBIAN_13.root(),
    '/usr/bin/node',
    child,
    String(n),
    mode,
  ]);
  const { stdout, code, stderr } = await run(words[0] ?? 'unshare', words.slice(1));
  if (code !== 0) throw new Error(`the Debian 13 emitter round failed (${code}): ${stderr}`);
  const result = JSON.parse(stdout) as { events_per_s: number; node: string };
  return { rate: result.events_per_s, node: result.node };
}

/**
 * Runs `rounds` alternating rounds of N events each — C, this Node, and Debian 13's Node when its root can
 * be had — and returns the rows and the C median for others.
 */
export async function benchEmitter(
  n: number,
  rounds: number,
): Promise<{ rows: BenchRow[]; cMedian: number; cCpuPerMillion: number }> {
  const c: number[] = [];
  const cCpu: number[] = [];
  const batched: number[] = [];
  const single: number[] = [];
  const trixie = DEBIAN_13.unavailable() === undefined;
  const batched13: number[] = [];
  const single13: number[] = [];
  let node13 = '';
  for (let r = 0; r < rounds; r++) {
    const round = await cLoop(n);
    c.push(round.rate);
    cCpu.push((round.cpuSeconds * 1e6) / n);
    batched.push(await emitterBatched(n));
    single.push(await emitterSingle(Math.floor(n / 4)));
    if (!trixie) continue;
    const b = await debian13Round(n, 'batched');
    batched13.push(b.rate);
    node13 = b.node;
    single13.push((await debian13Round(Math.floor(n / 4), 'single')).rate);
  }
  const cMedian = median(c);
  const cCpuPerMillion = median(cCpu);
  const host = `Debian 12, Node ${process.version}`;
  const other = `Debian 13, Node ${node13}`;
  return {
    cMedian,
    cCpuPerMillion,
    rows: [
      { name: 'C loop (libaudit, baseline)', value: cMedian, unit: 'ev/s' },
      { name: 'C loop CPU per million records', value: cCpuPerMillion, unit: 's', note: 'user + system' },
      { name: `emitter, batched (${host})`, value: median(batched), unit: 'ev/s', baseline: cMedian },
      { name: `emitter, one at a time (${host})`, value: median(single), unit: 'ev/s', baseline: cMedian },
      ...(trixie
        ? [
            {
              name: `emitter, batched (${other})`,
              value: median(batched13),
              unit: 'ev/s',
              baseline: cMedian,
            },
            {
              name: `emitter, one at a time (${other})`,
              value: median(single13),
              unit: 'ev/s',
              baseline: cMedian,
            },
          ]
        : []),
    ],
  };
}
