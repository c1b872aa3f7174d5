/**
 * The daemon's footprint, run with the node options auditrelay.service passes: RSS idle with the shipped
 * example configuration, RSS with 300 idle connections, RSS after each million of `millions` events
 * (8 pipelining clients; retention on, as on a device with forwarding configured) with the daemon's CPU
 * seconds per million beside the C loop's, and a soak at 5,000 events/s reporting RSS every minute.
 * Memory is read from /proc (VmRSS, VmHWM), CPU from /proc/<pid>/stat (every thread: the worker too).
 */
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { connect } from '../../src/client.js';
import { configFor, type RunningDaemon, startDaemon } from '../harness/daemon.js';
import { REPO_ROOT } from '../harness/exec.js';
import { benchNodeFlags } from '../harness/unit-flags.js';
import { rawClient } from './raw-client.js';
import { type BenchRow, median } from './stats.js';

/** MiB: resident, its peak, and the private (anonymous) part — the rest is file pages such as node's text. */
export function memory(pid: number): { rss: number; hwm: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024, anon: kib('RssAnon') / 1024 };
}

/** CPU seconds (user + system) the process has used, all its threads. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); here, after "pid (comm) ", at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The daemon as a device runs it: the unit's node options, forwarding configured (retention on). */
function deviceDaemon(extra: string): Promise<RunningDaemon> {
  const forwarding = '[forwarding]\ncollector = "127.0.0.1"\nport = 60\n';
  return startDaemon({
    config: `${configFor([0], ['TRUSTED_APP'], extra)}${forwarding}`,
    nodeFlags: benchNodeFlags(),
  });
}

async function idleWithExample(): Promise<BenchRow> {
  const example = readFileSync(`${REPO_ROOT}config/auditrelay.toml`, 'utf8').replace(
    /^socket = .*$/m,
    'socket = "{socket}"',
  );
  const daemon = await startDaemon({ config: example, nodeFlags: benchNodeFlags() });
  try {
    await sleep(3000);
    const working = memory(daemon.child.pid ?? 0).rss;
    await sleep(12_000);
    const idle = memory(daemon.child.pid ?? 0);
    return {
      name: 'RSS idle, shipped example config',
      value: idle.rss,
      unit: 'MiB',
      note: `${idle.anon.toFixed(1)} MiB of it private, the rest file pages (node's own text); 15 s after start, the emitter's worker retired; ${working.toFixed(1)} MiB at 3 s, with it`,
    };
  } finally {
    await daemon.stop();
  }
}

/** Opens `n` connections that each send one event and then stay open, idle. */
async function idleConnections(path: string, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<Socket>((resolve, reject) => {
          const socket = createConnection(path, () =>
            socket.write(`{"id":1,"type":"TRUSTED_APP","fields":{"idle":${i}}}\n`),
          );
          socket.once('data', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
}

async function eightClients(path: string, total: number, tag: number): Promise<void> {
  const per = Math.floor(total / 8);
  await Promise.all(
    Array.from({ length: 8 }, (_, c) =>
      rawClient(
        path,
        per,
        (i) => `{"id":${i},"type":"TRUSTED_APP","fields":{"m":${tag},"c":${c},"i":${i}}}\n`,
      ),
    ),
  );
}

/** 5,000 events/s from 8 connected clients for `minutes`, RSS at the end of every minute. */
async function soak(daemon: RunningDaemon, minutes: number): Promise<number[]> {
  const pid = daemon.child.pid ?? 0;
  const clients = await Promise.all(Array.from({ length: 8 }, () => connect(daemon.socket)));
  const perTick = 5000 / 10 / clients.length; // every 100 ms
  const samples: number[] = [];
  const start = Date.now();
  try {
    for (let minute = 1; minute <= minutes; minute++) {
      for (let tick = 0; Date.now() - start < minute * 60_000; tick++) {
        const due = Date.now() + 100;
        await Promise.all(
          clients.flatMap((client, c) =>
            Array.from({ length: perTick }, (_, i) =>
              client.send({ type: 'TRUSTED_APP', fields: { soak: minute, c, tick, i } }),
            ),
          ),
        );
        await sleep(Math.max(0, due - Date.now()));
      }
      samples.push(memory(pid).rss);
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return samples;
}

export async function benchFootprint(
  millions: number,
  soakMinutes: number,
  cCpuPerMillion: number,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [await idleWithExample()];
  const daemon = await deviceDaemon(
    'max_in_flight = 1024\nmax_connections = 512\nmax_connections_per_uid = 512',
  );
  try {
    const pid = daemon.child.pid ?? 0;
    const before = memory(pid).rss;
    const sockets = await idleConnections(daemon.socket, 300);
    await sleep(1000);
    const withWorker = memory(pid).rss;
    // Idle means idle: the worker their one event each started retires after 5 s without records, and
    // V8 shrinks its heap once allocation stops (its memory reducer starts after 8 s): read at 15 s.
    await sleep(14_000);
    const held = memory(pid).rss;
    for (const socket of sockets) socket.destroy();
    rows.push({
      name: 'RSS with 300 idle connections',
      value: held,
      unit: 'MiB',
      note: `${before.toFixed(1)} MiB before them; 15 s after their last event (${withWorker.toFixed(1)} MiB at 1 s, the worker still up)`,
    });
    const rss: number[] = [];
    const cpu: number[] = [];
    for (let m = 1; m <= millions; m++) {
      const cpuBefore = cpuSeconds(pid);
      await eightClients(daemon.socket, 1_000_000, m);
      cpu.push(cpuSeconds(pid) - cpuBefore);
      rss.push(memory(pid).rss);
    }
    rows.push({
      name: 'RSS after 1,000,000 events',
      value: rss[0] ?? Number.NaN,
      unit: 'MiB',
      note: `retention full (16 MiB ring); peak so far ${memory(pid).hwm.toFixed(0)} MiB over the whole run`,
    });
    rows.push({
      name: `RSS after ${(millions * 1e6).toLocaleString('en')} events`,
      value: rss.at(-1) ?? Number.NaN,
      unit: 'MiB',
      note: `after each million: ${rss.map((r) => r.toFixed(0)).join(', ')} MiB; peak ${memory(pid).hwm.toFixed(0)} MiB; private ${memory(pid).anon.toFixed(0)} MiB`,
    });
    rows.push({
      name: 'daemon CPU per million records (8 clients)',
      value: median(cpu),
      unit: 's',
      baseline: cCpuPerMillion,
      note: `user + system, main thread and worker; per million: ${cpu.map((c) => c.toFixed(1)).join(', ')} s`,
    });
    if (soakMinutes > 0) {
      const minutes = await soak(daemon, soakMinutes);
      const first = minutes[0] ?? Number.NaN;
      rows.push({
        name: `soak: RSS growth after minute 1 (${soakMinutes} min, 5,000 ev/s, 8 clients)`,
        value: Math.max(...minutes.slice(1)) - first,
        unit: 'MiB',
        note: `RSS each minute: ${minutes.map((r) => r.toFixed(0)).join(', ')} MiB`,
      });
    }
    return rows;
  } finally {
    await daemon.stop();
  }
}
