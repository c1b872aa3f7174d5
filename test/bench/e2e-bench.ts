/**
 * The whole pipeline over KRB5 (the lab): app → collector latency at a fixed rate, and sustained delivered
 * events/s, beside the same pipeline fed by the C baseline in the same run (alternating rounds).
 */
import { randomUUID } from 'node:crypto';
import { connect } from '../../src/client.js';
import { REPO_ROOT, run } from '../harness/exec.js';
import { type Lab, labSyslog, startLab } from '../harness/lab.js';
import { LogTail } from './log-tail.js';
import { type BenchRow, median, percentile } from './stats.js';

/** 1 ms polling, as the reference lab measured: a busy loop would steal a core from the pipeline. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Feeds the pipeline and waits for `n` records tagged `needle` at the collector; returns the arrival time. */
async function feedAndWait(lab: Lab, needle: string, n: number, feed: () => Promise<void>): Promise<bigint> {
  const tail = new LogTail(lab.collector.log);
  const stop = new AbortController();
  const arrived = (async () => {
    let seen = 0;
    const deadline = Date.now() + 120_000;
    while (seen < n) {
      tail.poll((line) => {
        if (line.includes(needle)) seen++;
      });
      if (stop.signal.aborted) throw new Error('the feed failed');
      if (Date.now() > deadline) {
        throw new Error(`only ${seen} of ${n} records arrived\n${labSyslog(lab)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return process.hrtime.bigint();
  })();
  try {
    const [, at] = await Promise.all([feed(), arrived]);
    return at;
  } finally {
    stop.abort();
  }
}

async function latency(lab: Lab, rate: number, count: number): Promise<number[]> {
  const tail = new LogTail(lab.collector.log);
  const tag = randomUUID().slice(0, 8);
  const sentAt = new Map<number, bigint>();
  const samples: number[] = [];
  const re = new RegExp(`lat="${tag}-(\\d+)"`);
  const client = await connect(lab.daemon.socket);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const due = start + BigInt(Math.round((i * 1e9) / rate));
    while (process.hrtime.bigint() < due) {
      tail.poll((line) => {
        const m = re.exec(line);
        const at = m === null ? undefined : sentAt.get(Number(m[1]));
        if (at !== undefined) samples.push(Number(process.hrtime.bigint() - at) / 1e6);
      });
      await tick();
    }
    sentAt.set(i, process.hrtime.bigint());
    void client.send({ type: 'TRUSTED_APP', fields: { lat: `${tag}-${i}` } });
  }
  const deadline = Date.now() + 10_000;
  while (samples.length < count && Date.now() < deadline) {
    tail.poll((line) => {
      const m = re.exec(line);
      const at = m === null ? undefined : sentAt.get(Number(m[1]));
      if (at !== undefined) samples.push(Number(process.hrtime.bigint() - at) / 1e6);
    });
    await tick();
  }
  await client.close();
  return samples;
}

async function sustainedDaemon(lab: Lab, n: number): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const clients = await Promise.all(Array.from({ length: 8 }, () => connect(lab.daemon.socket)));
  const start = process.hrtime.bigint();
  const arrived = await feedAndWait(lab, `tag="${tag}"`, n, async () => {
    await Promise.all(
      clients.map(async (client, c) => {
        const window: Array<Promise<void>> = [];
        for (let i = 0; i < n / 8; i++) {
          window.push(client.send({ type: 'TRUSTED_APP', fields: { tag, c, i } }));
          if (window.length >= 256) await Promise.all(window.splice(0));
        }
        await Promise.all(window);
        await client.close();
      }),
    );
  });
  return n / (Number(arrived - start) / 1e9);
}

async function sustainedC(lab: Lab, n: number): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const start = process.hrtime.bigint();
  const arrived = await feedAndWait(lab, `tag="${tag}"`, n, async () => {
    const result = await run(`${REPO_ROOT}dist/test/bench/emit-baseline`, [String(n), tag]);
    if (result.code !== 0) {
      // Killed at run()'s 60 s with nothing said: the kernel held its calls (a full backlog, auditd not
      // reading). What the kernel said then is the clue.
      const kernel = (await run('auditctl', ['-s'])).stdout.replace(/\n/g, ', ');
      throw new Error(
        `emit-baseline exited ${result.code} (${result.stderr.trim() || 'no message'}); kernel: ${kernel}`,
      );
    }
  });
  return n / (Number(arrived - start) / 1e9);
}

export async function benchEndToEnd(n: number, rounds: number): Promise<BenchRow[]> {
  const lab = await startLab({ heartbeat: '60s' });
  try {
    const c: number[] = [];
    const daemon: number[] = [];
    for (let r = 0; r < rounds; r++) {
      c.push(await sustainedC(lab, n));
      daemon.push(await sustainedDaemon(lab, n));
    }
    const samples = await latency(lab, 1000, 3000);
    const cMedian = median(c);
    return [
      { name: 'delivered over KRB5, C loop feeding (baseline)', value: cMedian, unit: 'ev/s' },
      {
        name: 'delivered over KRB5, daemon fed by 8 clients',
        value: median(daemon),
        unit: 'ev/s',
        baseline: cMedian,
      },
      {
        name: 'app → collector p50 at 1,000 ev/s',
        value: percentile(samples, 0.5) * 1000,
        unit: 'µs',
        note: `n=${samples.length}, includes 1 ms log polling`,
      },
      { name: 'app → collector p99 at 1,000 ev/s', value: percentile(samples, 0.99) * 1000, unit: 'µs' },
    ];
  } finally {
    await lab.stop();
  }
}
