/**
 * What the no-loss tests share: senders that remember every acknowledged event, the wait until each of
 * them is at the collector (at least once), `auditrelay verify` over the collector's log directory, and
 * the daemon's recovery status.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from '../../src/client.js';
import type { RecoveryStatus } from '../../src/daemon/recovery.js';
import type { RelayStatus } from '../../src/relay/relay.js';
import type { TapStatus } from '../../src/tap/tap.js';
import type { ForeignReport } from '../../src/verify/foreign-ledger.js';
import type { RunReport } from '../../src/verify/ledger.js';
import { CLI, run, waitFor } from './exec.js';
import { type Lab, labSyslog } from './lab.js';
import { RawClient } from './raw-client.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The daemon's last log lines, for a failure message. */
export function daemonTail(lab: Lab, lines = 20): string {
  return lab.daemon.log().split('\n').slice(-lines).join('\n');
}

/** Event ids of `tag` in the collector's log (a re-sent record counts like the original). */
export function arrivedIds(lab: Lab, tag: string): Set<number> {
  const text = readFileSync(lab.collector.log, 'latin1');
  const ids = new Set<number>();
  for (const m of text.matchAll(new RegExp(`tag="${tag}" i="(\\d+)"`, 'g'))) ids.add(Number(m[1]));
  return ids;
}

/** Waits until every acknowledged id is at the collector; the error says which are not, and syslog. */
export async function awaitEvery(lab: Lab, tag: string, acked: readonly number[], timeoutMs: number) {
  try {
    await waitFor(
      () => {
        const seen = arrivedIds(lab, tag);
        return acked.every((i) => seen.has(i)) ? true : undefined;
      },
      timeoutMs,
      `${acked.length} acknowledged events at the collector`,
    );
  } catch (error) {
    const seen = arrivedIds(lab, tag);
    const absent = acked.filter((i) => !seen.has(i));
    throw new Error(
      `${String(error)}: ${absent.length} missing (first: ${absent.slice(0, 10).join(', ')}).\n${labSyslog(lab)}`,
    );
  }
}

/** A sender on its own connection; every event it got `ok` for is in `acked`. */
export async function sender(lab: Lab, tag: string, firstId = 0) {
  const client = await connect(lab.daemon.socket);
  const acked: number[] = [];
  let next = firstId;
  return {
    acked,
    send: async () => {
      const i = next++;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`event ${i} unanswered after 30 s:\n${daemonTail(lab)}`)),
          30_000,
        );
      });
      try {
        await Promise.race([client.send({ type: 'TRUSTED_APP', fields: { tag, i } }), late]);
      } finally {
        clearTimeout(timer);
      }
      acked.push(i);
    },
    close: () => client.close(),
  };
}

export interface DaemonRecovery {
  readonly run: string;
  readonly recovery: RecoveryStatus;
  readonly relay: RelayStatus | null;
  readonly forwarding: { downSince: string | null; collectorConnected: boolean };
  readonly retention: { records: number; bytes: number; window_s: number; max_bytes: number };
  readonly foreign_retention: { records: number; bytes: number };
  readonly tap: TapStatus;
  readonly memory: { rss: number };
}

/** The daemon's status; an error (with the daemon's last log lines) when it does not answer in 10 s. */
export async function daemonRecovery(lab: Lab): Promise<DaemonRecovery> {
  const client = await RawClient.connect(lab.daemon.socket);
  try {
    client.write('{"id":1,"request":"status"}\n');
    const reply = await client.reply(10_000);
    return reply?.['status'] as DaemonRecovery;
  } catch (error) {
    throw new Error(
      `${String(error)}: the daemon did not answer a status request; its log:\n${daemonTail(lab)}`,
    );
  } finally {
    client.socket.destroy();
  }
}

/** Waits until the relay carries records and the daemon holds nothing at risk and re-sends nothing. */
export async function awaitSettled(lab: Lab, timeoutMs = 60_000): Promise<DaemonRecovery> {
  let last: DaemonRecovery | undefined;
  try {
    return await waitFor(
      async () => {
        const s = await daemonRecovery(lab);
        last = s;
        const r = s.recovery;
        return s.forwarding.collectorConnected && r.at_risk === 0 && r.resending === 0 ? s : undefined;
      },
      timeoutMs,
      'forwarding up and nothing left to re-send',
    );
  } catch (error) {
    // What was still unsettled: the collector connection, the records at risk, the re-send.
    const state =
      last === undefined
        ? 'no status answered'
        : JSON.stringify({ forwarding: last.forwarding, recovery: last.recovery, relay: last.relay });
    throw new Error(`${String(error)}; last status: ${state}\n${labSyslog(lab)}`);
  }
}

/** `auditrelay verify --json` over the collector's logs: this run's report, of ours and of the others. */
export async function verifyAll(
  lab: Lab,
  runId: string,
): Promise<{
  code: number;
  report: RunReport;
  others: ForeignReport | undefined;
  stdout: string;
  /** Every device verify accounted a part of this run to (one, unless a line lost its principal). */
  devices: string[];
}> {
  const result = await run(process.execPath, [CLI, 'verify', '--json', dirname(lab.collector.log)]);
  const json = JSON.parse(result.stdout) as { runs: RunReport[]; foreign: ForeignReport[] };
  const parts = json.runs.filter((r) => r.run === runId);
  const report = parts.find((r) => r.principal !== null) ?? parts[0];
  if (report === undefined) throw new Error(`verify found no run ${runId}: ${result.stdout}${result.stderr}`);
  return {
    code: result.code,
    report,
    others: json.foreign.find((f) => f.run === runId),
    stdout: result.stdout,
    devices: parts.map((r) => r.device),
  };
}

/**
 * For a failure message: the collector's lines of run `runId` that carry the first missing seqs and their
 * neighbours — whether a record verify calls missing is in the log at all (then verify lost it), and how
 * the lines around it end (the collector's krb5=).
 */
export function linesAround(
  lab: Lab,
  runId: string,
  missing: readonly (readonly [number, number])[],
): string {
  const text = readFileSync(lab.collector.log, 'latin1');
  const seqs = missing.flatMap(([from, to]) => [from, ...(to > from ? [to] : [])]).slice(0, 3);
  const out: string[] = [];
  for (const seq of seqs)
    for (const n of [seq - 1, seq, seq + 1]) {
      const needle = `ar_seq="${n}"`;
      let at = text.indexOf(needle);
      let found = 0;
      while (at >= 0 && found < 4) {
        const start = text.lastIndexOf('\n', at) + 1;
        const end = text.indexOf('\n', at);
        const line = text.slice(start, end < 0 ? text.length : end);
        if (line.includes(`ar_run="${runId}"`)) {
          out.push(
            `seq ${n} at byte ${start}: ${line.length > 700 ? `${line.slice(0, 300)} … ${line.slice(-300)}` : line}`,
          );
          found++;
        }
        at = text.indexOf(needle, at + needle.length);
      }
      if (found === 0) out.push(`seq ${n}: not in ${lab.collector.log}`);
    }
  return out.join('\n');
}

/** `auditrelay verify --json` over the collector's log directory: this daemon run's report. */
export async function verifyRun(lab: Lab, runId: string): Promise<{ code: number; report: RunReport }> {
  const result = await run(process.execPath, [CLI, 'verify', '--json', dirname(lab.collector.log)]);
  const json = JSON.parse(result.stdout) as { runs: RunReport[] };
  const report = json.runs.find((r) => r.run === runId);
  if (report === undefined) throw new Error(`verify found no run ${runId}: ${result.stdout}${result.stderr}`);
  return { code: result.code, report };
}
