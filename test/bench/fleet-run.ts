/**
 * `npm run bench:fleet`: fleets of FLEET_N devices (default 10,100,1000) against one collector, then
 * verify over FLEET_VERIFY_RECORDS synthetic records (default 10,000,000); printed as a table and saved
 * to .bench/fleet.json. Needs root and the kernel's network namespaces; runs for several minutes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { REPO_ROOT } from '../harness/exec.js';
import { type FleetFigures, fleetRows, measureFleet, measureVerify } from './fleet-bench.js';
import { type BenchRow, printRows } from './stats.js';

const SIZES = (process.env['FLEET_N'] ?? '10,100,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const STEADY_S = Number(process.env['FLEET_STEADY_S'] ?? 20);
const BURST = Number(process.env['FLEET_BURST'] ?? 100);
const VERIFY_RECORDS = Number(process.env['FLEET_VERIFY_RECORDS'] ?? 10_000_000);
/** Also run this N with auditd's default listen queue (5), for the storm's comparison (0: not). */
const DEFAULT_QUEUE_N = Number(process.env['FLEET_DEFAULT_QUEUE_N'] ?? 100);

async function main(): Promise<number> {
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) };
  process.stdout.write(
    `auditrelay fleet bench: N=${SIZES.join(',')}, ${STEADY_S} s steady, bursts of ${BURST}; ${JSON.stringify(machine)}\n` +
      'Senders, KDC and collector share these cores: a floor for a collector, not its capacity.\n',
  );
  const fleets: FleetFigures[] = [];
  const failures: Record<string, string> = {};
  for (const n of SIZES) {
    process.stdout.write(`\nN=${n}\n`);
    try {
      const f = await measureFleet({ n, steadyS: STEADY_S, burst: BURST }, (line) =>
        process.stdout.write(`${line}\n`),
      );
      fleets.push(f);
      printRows(`Fleet of ${n} devices, one collector (audit 3.0.9, KRB5)`, fleetRows(f));
    } catch (error) {
      failures[`N=${n}`] = error instanceof Error ? error.message : String(error);
      process.stdout.write(`N=${n} FAILED: ${failures[`N=${n}`]}\n`);
    }
  }
  if (DEFAULT_QUEUE_N > 0) {
    process.stdout.write(`\nN=${DEFAULT_QUEUE_N}, tcp_listen_queue = 5 (auditd's default)\n`);
    try {
      const f = await measureFleet(
        { n: DEFAULT_QUEUE_N, steadyS: STEADY_S, burst: BURST, listenQueue: 5 },
        (line) => process.stdout.write(`${line}\n`),
      );
      fleets.push(f);
      printRows(`Fleet of ${DEFAULT_QUEUE_N} devices, auditd's default listen queue`, fleetRows(f));
    } catch (error) {
      failures[`N=${DEFAULT_QUEUE_N} queue 5`] = error instanceof Error ? error.message : String(error);
    }
  }
  let verify: BenchRow[] = [];
  if (VERIFY_RECORDS > 0) {
    verify = await measureVerify(VERIFY_RECORDS);
    printRows('verify at scale', verify);
  }
  mkdirSync(`${REPO_ROOT}.bench`, { recursive: true });
  writeFileSync(
    `${REPO_ROOT}.bench/fleet.json`,
    `${JSON.stringify({ at: new Date().toISOString(), machine, steadyS: STEADY_S, burst: BURST, fleets, failures, verify }, null, 2)}\n`,
  );
  return Object.keys(failures).length === 0 ? 0 : 1;
}

process.exitCode = await main();
