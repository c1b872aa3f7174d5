/**
 * The daemon through its socket, run with the unit's node options: throughput with 1, 8 and 32
 * pipelining clients, and ack latency at a fixed rate. Its memory and CPU: footprint-bench.ts.
 */
import { type AuditRelayClient, connect } from '../../src/client.js';
import { configFor, type RunningDaemon, startDaemon } from '../harness/daemon.js';
import { benchNodeFlags } from '../harness/unit-flags.js';
import { rawClient } from './raw-client.js';
import { type BenchRow, median, percentile } from './stats.js';

const WINDOW = 128;

async function pump(client: AuditRelayClient, count: number, tag: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await client.send({ type: 'TRUSTED_APP', fields: { tag, i } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, count) }, worker));
}

async function throughput(daemon: RunningDaemon, clients: number, total: number): Promise<number> {
  const connections = await Promise.all(Array.from({ length: clients }, () => connect(daemon.socket)));
  const start = process.hrtime.bigint();
  await Promise.all(connections.map((c, i) => pump(c, Math.floor(total / clients), i)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(connections.map((c) => c.close()));
  return total / seconds;
}

async function throughputRaw(daemon: RunningDaemon, clients: number, total: number): Promise<number> {
  const per = Math.floor(total / clients);
  const lines = Array.from({ length: clients }, (_, c) =>
    Array.from({ length: per }, (_, i) => `{"id":${i},"type":"TRUSTED_APP","fields":{"c":${c},"i":${i}}}\n`),
  );
  const start = process.hrtime.bigint();
  await Promise.all(lines.map((l) => rawClient(daemon.socket, l.length, (i) => l[i] ?? '', WINDOW)));
  return (per * clients) / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function latency(daemon: RunningDaemon, rate: number, count: number): Promise<number[]> {
  const client = await connect(daemon.socket);
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const due = start + BigInt(Math.round((i * 1e9) / rate));
    while (process.hrtime.bigint() < due) {
      if (due - process.hrtime.bigint() > 2_000_000n) await new Promise((resolve) => setTimeout(resolve, 1));
      else await new Promise((resolve) => setImmediate(resolve));
    }
    const sent = process.hrtime.bigint();
    pending.push(
      client.send({ type: 'TRUSTED_APP', fields: { lat: i } }).then(() => {
        samples.push(Number(process.hrtime.bigint() - sent) / 1e6);
      }),
    );
  }
  await Promise.all(pending);
  await client.close();
  return samples;
}

export async function benchDaemon(n: number, rounds: number, cMedian: number): Promise<BenchRow[]> {
  // A device's configuration: forwarding configured, so retention and the forwarding watch run (no
  // collector here: every record stays at risk, as during an outage — the dearer case).
  const forwarding = '[forwarding]\ncollector = "127.0.0.1"\nport = 60\n';
  const daemon = await startDaemon({
    config: `${configFor([0], ['TRUSTED_APP'], 'max_in_flight = 1024')}${forwarding}`,
    env: { NODE_OPTIONS: process.env['DAEMON_NODE_OPTIONS'] ?? '' },
    nodeFlags: benchNodeFlags(),
  });
  try {
    const rows: BenchRow[] = [];
    for (const clients of [1, 8, 32]) {
      const raw: number[] = [];
      const runs: number[] = [];
      for (let r = 0; r < rounds; r++) {
        raw.push(await throughputRaw(daemon, clients, n));
        runs.push(await throughput(daemon, clients, n));
      }
      rows.push({
        name: `socket, ${clients} raw NDJSON client(s)`,
        value: median(raw),
        unit: 'ev/s',
        baseline: cMedian,
      });
      rows.push({
        name: `socket, ${clients} TypeScript client(s)`,
        value: median(runs),
        unit: 'ev/s',
        baseline: cMedian,
      });
    }
    const samples = await latency(daemon, 5000, 10_000);
    rows.push({ name: 'ack latency p50 at 5,000 ev/s', value: percentile(samples, 0.5) * 1000, unit: 'µs' });
    rows.push({ name: 'ack latency p99 at 5,000 ev/s', value: percentile(samples, 0.99) * 1000, unit: 'µs' });
    return rows;
  } finally {
    await daemon.stop();
  }
}
