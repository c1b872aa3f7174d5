/**
 * What no-loss costs, in the lab (KRB5, audit 3.0.9): the memory retention holds at 1,000 and 5,000
 * events/s under the default limits (and what the default window would need), the bytes the numbering
 * adds to a record, what the relay and the tap cost at 500 kernel and 500 PAM records a second (CPU per
 * record beside the C loop's, RSS, memory per retained record of another program), and over a 20 ms link
 * what an outage and a killed audisp-remote cost in re-sent records and time.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ENTRY_HEADER } from '../../src/audit/retention.js';
import { connect } from '../../src/client.js';
import { REPO_ROOT, run } from '../harness/exec.js';
import { type Lab, startLab } from '../harness/lab.js';
import { addLoadRule, startLoad } from '../harness/load.js';
import { awaitEvery, awaitSettled, daemonRecovery, sender, sleep } from '../harness/outage.js';
import { type SlowLink, startSlowLink } from './slow-link.js';
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

/** CPU seconds (all threads) a process has used: utime + stime of /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** 500 syscalls and 500 PAM records a second for 30 s: what the relay and the tap cost. */
async function tapCost(lab: Lab, cCpuPerMillion: number | undefined): Promise<BenchRow[]> {
  const pid = lab.daemon.child.pid ?? 0;
  const removeRule = await addLoadRule();
  try {
    await awaitSettled(lab);
    const before = await daemonRecovery(lab);
    const cpu0 = cpuSeconds(pid);
    const load = startLoad(500, randomUUID().slice(0, 8));
    await sleep(30_000);
    await load.stop();
    const cpu = cpuSeconds(pid) - cpu0;
    const after = await daemonRecovery(lab);
    const records = after.tap.records - before.tap.records;
    const f = after.foreign_retention;
    const perMillion = (cpu / Math.max(1, records)) * 1e6;
    return [
      {
        name: 'daemon CPU per million records it reads (relay and tap, 500 + 500 records/s)',
        value: perMillion,
        unit: 's',
        note: `${records} records read in 30 s (SYSCALL, PROCTITLE, EOE, USER_AUTH), ${cpu.toFixed(2)} s of CPU${cCpuPerMillion === undefined ? '' : `; the C loop writes a million in ${cCpuPerMillion.toFixed(1)} s`}`,
      },
      {
        name: 'daemon RSS with relay and tap at 500 + 500 records/s',
        value: after.memory.rss,
        unit: 'MiB',
        note: `${before.memory.rss} MiB before the load; foreign retention ${(f.bytes / MIB).toFixed(1)} MiB of ${f.records} records`,
      },
      {
        name: 'one retained record of another program (ring bytes)',
        value: f.bytes / Math.max(1, f.records),
        unit: 'B',
        note: `kernel text + a ${ENTRY_HEADER} B header, 8-aligned (SYSCALL ~400 B, PROCTITLE ~100 B, USER_AUTH ~250 B)`,
      },
    ];
  } finally {
    await removeRule();
  }
}

/**
 * Over a 20 ms link (slow-link.ts, 10 ms each way): a 5 s blackhole with 500 events/s, and then
 * audisp-remote killed after 5 s at 500 events/s — what each costs in records written again, and the
 * time until every event is at the collector.
 */
async function slowLinkRows(): Promise<BenchRow[]> {
  let link: SlowLink | undefined;
  const lab = await startLab({
    heartbeat: '60s',
    relayTo: async (collector) => {
      link = await startSlowLink(collector, 10);
      return { host: '127.0.0.1', port: link.port };
    },
  });
  const resent = async () => {
    const r = (await daemonRecovery(lab)).recovery;
    return r.resent + r.resent_foreign;
  };
  const burst = async (tag: string) => {
    const s = await sender(lab, tag);
    const start = Date.now();
    while (Date.now() - start < 5000) {
      await Promise.all(Array.from({ length: 50 }, () => s.send()));
      await sleep(Math.max(0, 100 - ((Date.now() - start) % 100)));
    }
    return s;
  };
  try {
    await awaitSettled(lab);
    const rows: BenchRow[] = [];
    for (const outage of ['blackhole', 'kill'] as const) {
      const before = await resent();
      const tag = randomUUID().slice(0, 8);
      if (outage === 'blackhole') link?.hold();
      const s = await burst(tag);
      if (outage === 'blackhole') link?.release();
      else {
        const remote = lab.device.audispRemote();
        if (remote !== undefined) process.kill(remote, 'SIGKILL');
      }
      const back = Date.now();
      await awaitEvery(lab, tag, s.acked, 600_000);
      const ms = Date.now() - back;
      await s.close();
      await awaitSettled(lab, 600_000);
      const again = (await resent()) - before;
      rows.push({
        name: `20 ms link, 5 s ${outage === 'blackhole' ? 'outage (blackholed)' : 'at 500 ev/s, then audisp-remote killed'}: written again`,
        value: again,
        unit: 'records',
        note: `${s.acked.length} events in the 5 s; every one at the collector ${(ms / 1000).toFixed(1)} s later (stop-and-wait: about 1/RTT records/s)`,
      });
    }
    return rows;
  } finally {
    await lab.stop();
    await link?.close();
  }
}

export async function benchRecovery(cCpuPerMillion?: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [await heapPerRecord()];
  const lab = await startLab({ heartbeat: '60s' });
  try {
    await awaitSettled(lab);
    rows.push(...(await tapCost(lab, cCpuPerMillion)));
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
  rows.push(...(await slowLinkRows()));
  return rows;
}

/** A 5 s collector outage at 500 events/s: from the collector listening again to every event there. */
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
    note: `5 s outage at 500 ev/s, ${s.acked.length} events; ${status.recovery.resent + status.recovery.resent_foreign} re-sent in all (the relay held audisp-remote: nothing was lost)`,
  };
}
