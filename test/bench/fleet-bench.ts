/**
 * The fleet on one collector (#21 item 5): N simulated devices (harness/fleet.ts: real audisp-remote
 * processes, each its own principal and keytab, KRB5) against one collector auditd (audit 3.0.9, the
 * kit's fleet settings) and the lab's MIT KDC, all on this machine. Per N:
 * - connect: all devices start at once and send a first record (audisp-remote connects on its first
 *   record); time until every first record is stored;
 * - steady: every device sends 1 record/s for STEADY_S seconds; delivered, latency, collector CPU;
 * - burst: every device sends BURST records at once; the aggregate rate the collector acknowledges;
 * - storm: the collector restarts and every device connects again at once (as the relay releases them):
 *   time until each device's next record is stored, KDC requests, records lost;
 * - verify over the collector's logs: time and peak RSS.
 * And `verify` over a synthetic log of VERIFY_RECORDS records (100 devices). Everything runs on the same
 * 2 cores — the senders, the KDC and the collector compete — so the figures are a floor, not a
 * collector's capacity on its own hardware.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderAudispRemote } from '../../src/forwarding/render.js';
import { forwardingSchema } from '../../src/forwarding/schema.js';
import { COLLECTOR_PORT, type Collector, makeCollector } from '../harness/collector.js';
import { CLI, run, waitFor } from '../harness/exec.js';
import { type Fleet, type FleetDevice, makeFleetKeytabs, startFleet } from '../harness/fleet.js';
import { COLLECTOR_NAME, type Kdc, REALM, startKdc } from '../harness/kdc.js';
import { createNetNs, type NetNs } from '../harness/netns.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';
import { LogTail } from './log-tail.js';
import { type BenchRow, percentile } from './stats.js';

/** The collector settings the kit recommends for a fleet (integrator guide, "Capacity"). */
export const FLEET_COLLECTOR = {
  tcp_listen_queue: '128',
  tcp_max_per_addr: '1024',
  tcp_client_ports: '1-65535',
} as const;

export interface FleetParams {
  readonly n: number;
  readonly steadyS: number;
  readonly burst: number;
  /** The collector's tcp_listen_queue (default: the kit's fleet value). */
  readonly listenQueue?: number;
}

export interface FleetFigures {
  readonly n: number;
  readonly listenQueue: number;
  /** audisp-remote processes that ended before their record was stored, by how (connect, storm). */
  readonly connectEnded: Record<string, number>;
  readonly stormEnded: Record<string, number>;
  readonly setupMs: number;
  readonly connectMs: number;
  readonly steadySent: number;
  readonly steadyDelivered: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly collectorCpuPct: number;
  readonly burstRecords: number;
  readonly burstDelivered: number;
  readonly burstPerS: number;
  readonly stormMs: number;
  readonly stormDelivered: number;
  readonly kdcRequests: number;
  readonly verifyCode: number;
  readonly verifyDevices: number;
  readonly verifyMissing: number;
  readonly verifyMs: number;
  readonly verifyRssMiB: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds a process used so far (utime + stime, /proc/PID/stat). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function established(ns: NetNs): Promise<number> {
  const { stdout } = await run('ip', [
    'netns',
    'exec',
    ns.name,
    'ss',
    '-tnH',
    'state',
    'established',
    `( sport = :${COLLECTOR_PORT} )`,
  ]);
  return stdout.split('\n').filter((l) => l.trim() !== '').length;
}

const kdcRequests = (kdc: Kdc) => {
  try {
    return (readFileSync(join(kdc.dir, 'kdc.log'), 'latin1').match(/(AS|TGS)_REQ/g) ?? []).length;
  } catch {
    return 0;
  }
};

/** Arrival of fleet records at the collector: `dev-NNNN seq` → ms, from the log as it grows. */
class Arrivals {
  readonly #tail: LogTail;
  readonly at = new Map<string, number>();
  latency: number[] = [];
  #timer: NodeJS.Timeout;

  constructor(log: string) {
    this.#tail = new LogTail(log);
    this.#timer = setInterval(() => this.poll(), 50);
  }

  poll(): void {
    const now = Date.now();
    this.#tail.poll((line) => {
      const m = /^node=(dev-\d{4}) .*sent_ms=(\d+) .*ar_seq="(\d+)"/.exec(line);
      if (m === null) return;
      const key = `${m[1]} ${m[3]}`;
      if (this.at.has(key)) return;
      this.at.set(key, now);
      this.latency.push(now - Number(m[2]));
    });
  }

  /** Waits until `keys` all arrived or `ms` passed; how many arrived. */
  async await(keys: readonly string[], ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.poll();
      const arrived = keys.filter((k) => this.at.has(k)).length;
      if (arrived === keys.length || Date.now() > deadline) return arrived;
      await sleep(50);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** What it took until every device's record `keyOf(d)` was stored. */
interface Drive {
  readonly arrived: number;
  /** audisp-remote processes that had ended without their record stored, and how they ended. */
  readonly ended: Record<string, number>;
}

/**
 * Waits until each device's record is stored; an audisp-remote that ended meanwhile (3.0.9 crashes on a
 * failed KRB5 connect) is started again with that record, as auditd restarts its plugin — checked every
 * 2 s, until `deadlineMs`.
 */
async function driveUntilStored(
  fleet: Fleet,
  arrivals: Arrivals,
  keyOf: (d: FleetDevice) => string,
  deadlineMs: number,
): Promise<Drive> {
  const ended: Record<string, number> = {};
  for (;;) {
    const waiting = fleet.devices.filter((d) => !arrivals.at.has(keyOf(d)));
    if (waiting.length === 0 || Date.now() > deadlineMs)
      return { arrived: fleet.devices.length - waiting.length, ended };
    for (const d of waiting) {
      const child = d.sender.child;
      if (child.exitCode === null && child.signalCode === null) continue;
      const how = await fleet.restart(d);
      ended[how] = (ended[how] ?? 0) + 1;
    }
    await arrivals.await(waiting.map(keyOf), 2000);
  }
}

const describeEnded = (ended: Record<string, number>) =>
  Object.entries(ended)
    .map(([how, n]) => `${n} ${how}`)
    .join(', ') || 'none';

/** One fleet of `n` devices through every phase. Cleans up everything it started. */
export async function measureFleet(
  p: FleetParams,
  say: (line: string) => void = () => undefined,
): Promise<FleetFigures> {
  const work = makeTempDir('auditrelay-fleet-bench-');
  const undo: Array<() => Promise<void> | void> = [() => removeTempDir(work)];
  let fleet: Fleet | undefined;
  let arrivals: Arrivals | undefined;
  try {
    const kdc = await startKdc();
    undo.push(() => kdc.stop());
    await kdc.addPrincipal(`auditd/${COLLECTOR_NAME}`);
    await kdc.exportKeytab(join(work, 'collector.key'), [`auditd/${COLLECTOR_NAME}`]);
    const ns = await createNetNs();
    undo.push(() => ns.remove());
    const collector: Collector = makeCollector(
      ns,
      join(work, 'collector'),
      'KRB5',
      join(work, 'collector.key'),
      kdc.krb5Conf,
      60_000,
      FLEET_COLLECTOR.tcp_client_ports,
      {
        tcp_listen_queue: FLEET_COLLECTOR.tcp_listen_queue,
        tcp_max_per_addr: FLEET_COLLECTOR.tcp_max_per_addr,
      },
    );
    await collector.start();
    undo.push(() => collector.stop());
    const conf = renderAudispRemote(
      forwardingSchema.parse({
        collector: ns.nsIp,
        port: COLLECTOR_PORT,
        service_principal: `auditd/${COLLECTOR_NAME}`,
      }),
    );
    const keys = join(work, 'keys');
    mkdirSync(keys, { mode: 0o700 });
    const setupStart = Date.now();
    await makeFleetKeytabs(kdc, p.n, keys);
    const setupMs = Date.now() - setupStart;
    say(`  ${p.n} principals and keytabs: ${setupMs} ms`);

    const options = {
      kdc,
      realm: REALM,
      n: p.n,
      keys,
      conf,
      collector: { host: ns.nsIp, port: COLLECTOR_PORT },
    };
    // audisp-remote connects on its first record: each device sends one, all at once.
    arrivals = new Arrivals(collector.log);
    const connectStart = Date.now();
    fleet = await startFleet({ ...options, concurrency: p.n });
    const devices = fleet.devices;
    for (const d of devices) fleet.send(d);
    const keyNow = (d: FleetDevice) => `${d.name} ${d.seq}`;
    const connect = await driveUntilStored(fleet, arrivals, keyNow, Date.now() + 120_000 + 200 * p.n);
    if (connect.arrived < p.n) throw new Error(`${connect.arrived} of ${p.n} devices connected`);
    const connectMs =
      Math.max(...devices.map((d) => arrivals?.at.get(keyNow(d)) ?? Number.NaN)) - connectStart;
    await waitFor(
      async () => ((await established(ns)) >= p.n ? true : undefined),
      10_000,
      `${p.n} connections`,
    );
    say(`  connected: ${connectMs} ms (audisp-remote ended and restarted: ${describeEnded(connect.ended)})`);
    arrivals.latency = [];

    // Steady: 1 record/s per device, spread over each second.
    const keysSent: string[] = [];
    const cpu0 = cpuSeconds(collector.pid());
    const steadyStart = Date.now();
    for (let second = 0; second < p.steadyS; second++) {
      for (let i = 0; i < devices.length; i++) {
        const due = steadyStart + second * 1000 + Math.floor((i * 1000) / devices.length);
        const wait = due - Date.now();
        if (wait > 5) await sleep(wait);
        const d = devices[i];
        if (d === undefined) continue;
        try {
          fleet.send(d);
          keysSent.push(`${d.name} ${d.seq}`);
        } catch {
          // a dead sender: its records are not sent, and show as not delivered below
        }
      }
    }
    const steadyDelivered = await arrivals.await(keysSent, 30_000);
    const steadyElapsed = (Date.now() - steadyStart) / 1000;
    const collectorCpuPct = (100 * (cpuSeconds(collector.pid()) - cpu0)) / steadyElapsed;
    const lat = [...arrivals.latency];
    say(`  steady: ${steadyDelivered}/${p.n * p.steadyS} delivered, p99 ${percentile(lat, 0.99)} ms`);

    // Burst: BURST records from every device at once.
    const burstKeys: string[] = [];
    const burstStart = Date.now();
    for (const d of devices) {
      const from = d.seq;
      try {
        fleet.send(d, p.burst);
        for (let s = from + 1; s <= d.seq; s++) burstKeys.push(`${d.name} ${s}`);
      } catch {}
    }
    const burstDelivered = await arrivals.await(burstKeys, 60_000 + 50 * p.n);
    const burstMs = Math.max(1, Math.max(...burstKeys.map((k) => arrivals?.at.get(k) ?? 0)) - burstStart);
    say(`  burst: ${burstDelivered}/${p.n * p.burst} in ${burstMs} ms`);

    // Storm: the collector restarts; every device connects again at once (as the relay releases them).
    const lastSeq = new Map(devices.map((d) => [d.name, d.seq]));
    await collector.stop();
    await fleet.stop();
    fleet = undefined;
    await collector.start();
    const kdc0 = kdcRequests(kdc);
    const stormStart = Date.now();
    fleet = await startFleet({ ...options, concurrency: p.n });
    for (const d of fleet.devices) {
      d.seq = lastSeq.get(d.name) ?? 0;
      fleet.send(d);
    }
    const storm = await driveUntilStored(fleet, arrivals, keyNow, Date.now() + 120_000 + 200 * p.n);
    const stormDelivered = storm.arrived;
    const stormMs =
      Math.max(...fleet.devices.map((d) => arrivals?.at.get(keyNow(d)) ?? Number.NaN)) - stormStart;
    await sleep(500);
    const kdcDelta = kdcRequests(kdc) - kdc0;
    say(
      `  storm: ${stormDelivered}/${p.n} in ${stormMs} ms, ${kdcDelta} KDC requests (audisp-remote ended and restarted: ${describeEnded(storm.ended)})`,
    );
    arrivals.stop();
    await fleet.stop();
    fleet = undefined;

    // verify over what the collector stored.
    const logs = dirname(collector.log);
    const verifyStart = Date.now();
    const timed = await run('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'verify', '--json', logs], {
      timeoutMs: 600_000,
    });
    const verifyMs = Date.now() - verifyStart;
    const report = JSON.parse(timed.stdout) as { missing: number; runs: Array<{ principal: string | null }> };
    const rssKiB = Number(/(\d+)\s*$/.exec(timed.stderr.trim())?.[1] ?? Number.NaN);
    return {
      n: p.n,
      listenQueue: Number(p.listenQueue ?? FLEET_COLLECTOR.tcp_listen_queue),
      connectEnded: connect.ended,
      stormEnded: storm.ended,
      setupMs,
      connectMs,
      steadySent: keysSent.length,
      steadyDelivered,
      latencyP50Ms: percentile(lat, 0.5),
      latencyP99Ms: percentile(lat, 0.99),
      latencyMaxMs: Math.max(...lat),
      collectorCpuPct,
      burstRecords: burstKeys.length,
      burstDelivered,
      burstPerS: (burstDelivered * 1000) / burstMs,
      stormMs,
      stormDelivered,
      kdcRequests: kdcDelta,
      verifyCode: timed.code,
      verifyDevices: new Set(report.runs.map((r) => r.principal)).size,
      verifyMissing: report.missing,
      verifyMs,
      verifyRssMiB: rssKiB / 1024,
    };
  } finally {
    arrivals?.stop();
    await fleet?.stop();
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`fleet teardown: ${String(error)}\n`);
      }
    }
  }
}

/**
 * verify over `records` synthetic records of ours from 100 devices (KRB5 lines, ENRICHED parts, 1 % of
 * them re-sent): time and peak RSS. The log is written to a temp dir and removed.
 */
export async function measureVerify(records: number): Promise<BenchRow[]> {
  const dir = makeTempDir('auditrelay-verify-bench-');
  try {
    const log = join(dir, 'audit.log');
    const fd = openSync(log, 'w');
    const devices = 100;
    const perDevice = Math.ceil(records / devices);
    const t0 = 1_796_000_000;
    try {
      let chunk = '';
      for (let seq = 1; seq <= perDevice; seq++) {
        for (let d = 0; d < devices; d++) {
          const name = `dev-${String(d + 1).padStart(4, '0')}`;
          const serial = seq * devices + d;
          const rt = seq % 100 === 0 ? ` ar_rt="${t0}.000"` : '';
          chunk +=
            `node=${name} type=TRUSTED_APP msg=audit(${t0 + Math.floor(seq / 10)}.000:${serial}): pid=1 uid=0 auid=4294967295 ses=4294967295 ` +
            `msg='op=set ar_run="${(0x100000000000 + d).toString(16).slice(-12)}" ar_seq="${seq}"${rt} exe="/usr/bin/node" hostname=? addr=? terminal=? res=success'` +
            `\x1dUID="root" AUID="unset" krb5=auditd/${name}@${REALM}\n`;
        }
        if (chunk.length > 1 << 22) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    const bytes = Number(execFileSync('stat', ['-c', '%s', log]).toString().trim());
    const start = Date.now();
    const timed = await run('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'verify', '--json', log], {
      timeoutMs: 3_600_000,
    });
    const ms = Date.now() - start;
    const rssKiB = Number(/(\d+)\s*$/.exec(timed.stderr.trim())?.[1] ?? Number.NaN);
    let missing = Number.NaN;
    try {
      missing = (JSON.parse(timed.stdout) as { missing: number }).missing;
    } catch {}
    return [
      {
        name: `verify over ${records.toLocaleString('en')} records (${(bytes / 2 ** 30).toFixed(1)} GiB, 100 devices)`,
        value: ms / 1000,
        unit: 's',
        note: `exit ${timed.code}, missing ${missing}`,
      },
      { name: '  its records per second', value: (records * 1000) / ms, unit: '/s' },
      { name: '  its peak RSS', value: rssKiB / 1024, unit: 'MiB' },
    ];
  } finally {
    removeTempDir(dir);
  }
}

/** Rows for one fleet, for the printed table. */
export function fleetRows(f: FleetFigures): BenchRow[] {
  const q =
    Number(FLEET_COLLECTOR.tcp_listen_queue) === f.listenQueue ? '' : ` (listen queue ${f.listenQueue})`;
  return [
    { name: `N=${f.n}: principals and keytabs (one kadmin run)`, value: f.setupMs / 1000, unit: 's' },
    {
      name: `N=${f.n}: all connected (started at once)${q}`,
      value: f.connectMs / 1000,
      unit: 's',
      note: `audisp-remote ended and restarted: ${describeEnded(f.connectEnded)}`,
    },
    {
      name: `N=${f.n}: steady 1/s each, delivered`,
      value: (100 * f.steadyDelivered) / Math.max(1, f.steadySent),
      unit: '%',
      note: `${f.steadyDelivered}/${f.steadySent}`,
    },
    {
      name: `N=${f.n}: steady latency p50 / p99`,
      value: f.latencyP50Ms,
      unit: 'ms',
      note: `p99 ${f.latencyP99Ms} ms, max ${f.latencyMaxMs} ms`,
    },
    { name: `N=${f.n}: collector auditd CPU (steady)`, value: f.collectorCpuPct, unit: '%' },
    {
      name: `N=${f.n}: burst, aggregate acknowledged`,
      value: f.burstPerS,
      unit: 'records/s',
      note: `${f.burstDelivered}/${f.burstRecords}`,
    },
    {
      name: `N=${f.n}: restart storm, until every device forwards${q}`,
      value: f.stormMs / 1000,
      unit: 's',
      note: `${f.stormDelivered}/${f.n} devices, ${f.kdcRequests} KDC requests; audisp-remote ended and restarted: ${describeEnded(f.stormEnded)}`,
    },
    {
      name: `N=${f.n}: verify over the collector's logs`,
      value: f.verifyMs / 1000,
      unit: 's',
      note: `exit ${f.verifyCode}, ${f.verifyDevices} principals, missing ${f.verifyMissing}, ${f.verifyRssMiB.toFixed(0)} MiB peak`,
    },
  ];
}
