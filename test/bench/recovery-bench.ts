/**
 * What no-loss costs, in the lab (KRB5, audit 3.0.9): the memory retention holds at 1,000 and 5,000
 * events/s under the default limits (and what the default window would need), the bytes the numbering
 * adds to a record, and the time from the collector's return to the last re-sent record arriving.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ENTRY_HEADER } from '../../src/audit/retention.js';
import { connect } from '../../src/client.js';
import { REPO_ROOT, run } from '../harness/exec.js';
import { startLab } from '../harness/lab.js';
import { awaitEvery, awaitSettled, daemonRecovery, sender, sleep } from '../harness/outage.js';
import type { BenchRow } from './stats.js';

const MIB = 1024 * 1024;
/** Seconds each rate runs: long enough for a steady store, short enough for a bench. */
const SECONDS = 20;

async function drive(socket: string, rate: number, seconds: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: 4 }, () => connect(socket)));
  const tag = randomUUID().slice(0, 8);
  const start = Date.now();
  for (let tick = 1; Date.now() - start < seconds * 1000; tick++) {
    await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: rate / 40 }, (_, i) =>
          client.send({ type: 'TRUSTED_APP', fields: { tag, c, i, setting: 'ntp.server' } }),
        ),
      ),
    );
    await sleep(Math.max(0, start + tick * 100 - Date.now()));
  }
  await Promise.all(clients.map((client) => client.close()));
}

/** One retained record: its bytes in the ring, and what it leaves on the V8 heap (retention-heap.ts). */
async function heapPerRecord(): Promise<BenchRow> {
  const script = `${REPO_ROOT}dist/test/bench/retention-heap.js`;
  const result = await run(process.execPath, ['--expose-gc', script]);
  if (result.code !== 0) throw new Error(`retention-heap failed: ${result.stderr}`);
  const m = JSON.parse(result.stdout) as { text: number; heap: number; accounted: number };
  return {
    name: 'one retained record (ring bytes)',
    value: m.accounted,
    unit: 'B',
    note: `${m.text.toFixed(0)} B of text + a ${ENTRY_HEADER} B header, 8-aligned; on the V8 heap: ${m.heap.toFixed(1)} B`,
  };
}

export async function benchRecovery(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [await heapPerRecord()];
  const lab = await startLab({ heartbeat: '60s' });
  try {
    await awaitSettled(lab);
    for (const rate of [1000, 5000]) {
      await drive(lab.daemon.socket, rate, SECONDS);
      const s = await daemonRecovery(lab);
      const perRecord = s.retention.bytes / Math.max(1, s.retention.records);
      const windowNeeds = (rate * s.retention.window_s * perRecord) / MIB;
      rows.push({
        name: `retention after ${SECONDS} s at ${rate} ev/s`,
        value: s.retention.bytes / MIB,
        unit: 'MiB',
        note: `${s.retention.records} records, ${perRecord.toFixed(0)} B each (${ENTRY_HEADER} B header); the ${s.retention.window_s / 60} min window would need ${windowNeeds.toFixed(0)} MiB, so retention_bytes (${s.retention.max_bytes / MIB} MiB) keeps the last ${(s.retention.max_bytes / perRecord / rate).toFixed(0)} s; daemon RSS ${s.memory.rss} MiB`,
      });
    }
    const line = readFileSync(lab.collector.log, 'latin1')
      .split('\n')
      .findLast((l) => l.includes(' ar_seq="'));
    const numbering = / ar_run="[0-9a-f]{12}" ar_seq="\d+"/.exec(line ?? '')?.[0] ?? '';
    rows.push({
      name: 'bytes the numbering adds to a record',
      value: numbering.length,
      unit: 'B',
      note: numbering.trim(),
    });
    rows.push(await recoveryTime(lab));
  } finally {
    await lab.stop();
  }
  return rows;
}

/** A 5 s outage at 500 events/s: from the collector listening again to every acknowledged event there. */
async function recoveryTime(lab: Awaited<ReturnType<typeof startLab>>): Promise<BenchRow> {
  await awaitSettled(lab);
  const tag = randomUUID().slice(0, 8);
  const s = await sender(lab, tag);
  await lab.collector.stop();
  const start = Date.now();
  while (Date.now() - start < 5000) {
    await Promise.all(Array.from({ length: 50 }, () => s.send()));
    await sleep(100);
  }
  await lab.collector.start();
  const back = Date.now();
  await awaitEvery(lab, tag, s.acked, 120_000);
  const ms = Date.now() - back;
  await s.close();
  const status = await awaitSettled(lab);
  return {
    name: 'collector back → last re-sent record there',
    value: ms,
    unit: 'ms',
    note: `5 s outage at 500 ev/s, ${s.acked.length} events; ${status.recovery.resent} re-sent in all (lookback q_depth + queue_depth + 10,000 writes)`,
  };
}
