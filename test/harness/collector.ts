/**
 * The customer's collector: an auditd that receives over the network only (`local_events = no`), with
 * transport KRB5 (or plaintext TCP for the capture control), inside our network namespace, with a private
 * /run so its pid file does not clash with the device's auditd. Stopped, frozen and restarted by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientMaxIdleS } from '../../src/forwarding/collector-kit.js';
import { run, stopChild, waitFor } from './exec.js';
import { withPrivateMounts } from './mount-ns.js';
import type { NetNs } from './netns.js';
import { syslogCapture } from './syslog.js';

export const COLLECTOR_PORT = 6060;

export interface Collector {
  readonly log: string;
  readonly ip: string;
  /** What the collector auditd sent to syslog. */
  syslog(): string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  freeze(): void;
  thaw(): void;
  /** The running auditd's pid. */
  pid(): number | undefined;
}

/** The collector auditd.conf, with the per-client keys `auditrelay collector-config` recommends. */
function conf(
  dir: string,
  transport: 'KRB5' | 'TCP',
  keytab: string,
  heartbeatMs: number,
  clientPorts: string,
  overrides: Readonly<Record<string, string>>,
): string {
  const lines = [
    'local_events = no',
    'write_logs = yes',
    `log_file = ${dir}/log/audit.log`,
    'log_group = root',
    'log_format = ENRICHED',
    'flush = INCREMENTAL_ASYNC',
    'freq = 50',
    'max_log_file = 512',
    'num_logs = 2',
    'max_log_file_action = ROTATE',
    'space_left = 75',
    'admin_space_left = 50',
    'name_format = NONE',
    `tcp_listen_port = ${COLLECTOR_PORT}`,
    'tcp_listen_queue = 5',
    'tcp_max_per_addr = 2',
    `tcp_client_ports = ${clientPorts}`,
    `tcp_client_max_idle = ${clientMaxIdleS(heartbeatMs)}`,
    `transport = ${transport}`,
    'krb5_principal = auditd',
    `krb5_key_file = ${keytab}`,
    'distribute_network = no',
    'q_depth = 65536',
    `plugin_dir = ${dir}/plugins.d`,
  ];
  const keyOf = (line: string) => line.split(' = ')[0] ?? '';
  const kept = lines.filter((line) => overrides[keyOf(line)] === undefined);
  return [...kept, ...Object.entries(overrides).map(([k, v]) => `${k} = ${v}`), ''].join('\n');
}

export function makeCollector(
  ns: NetNs,
  dir: string,
  transport: 'KRB5' | 'TCP',
  keytab: string,
  krb5Conf: string,
  heartbeatMs = 60_000,
  /** Source ports it admits: the kit's 1-1023 (devices connect from below 1024: forwarding.source_port). */
  clientPorts = '1-1023',
  /** auditd.conf keys set instead of the lab's (a fleet's listen queue and per-address limit). */
  overrides: Readonly<Record<string, string>> = {},
): Collector {
  mkdirSync(join(dir, 'log'), { recursive: true, mode: 0o750 });
  mkdirSync(join(dir, 'plugins.d'), { recursive: true });
  writeFileSync(join(dir, 'auditd.conf'), conf(dir, transport, keytab, heartbeatMs, clientPorts, overrides));
  chmodSync(join(dir, 'auditd.conf'), 0o640);
  let child: ChildProcess | undefined;
  let output = '';
  const syslog = syslogCapture(join(dir, 'syslog'));
  const listening = async () => {
    const { stdout } = await run('ip', ['netns', 'exec', ns.name, 'ss', '-lnt']);
    return stdout.includes(`:${COLLECTOR_PORT} `) ? true : undefined;
  };
  return {
    log: join(dir, 'log', 'audit.log'),
    ip: ns.nsIp,
    syslog: () => syslog.lines(),
    start: async () => {
      // A private /run: the collector's pid file must not clash with the device auditd's.
      const inNs = withPrivateMounts(
        ['mount -t tmpfs auditrelay-collector-run /run', ...syslog.mounts],
        ['auditd', '-n', '-c', dir],
      );
      child = spawn('ip', ['netns', 'exec', ns.name, ...inNs], {
        // The acceptor's replay cache in the collector's own dir (removed with it), not /var/tmp.
        env: { ...process.env, KRB5_CONFIG: krb5Conf, KRB5RCACHEDIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const started = child;
      await waitFor(
        async () => {
          if (started.exitCode !== null) throw new Error(`collector exited (${started.exitCode}): ${output}`);
          return listening();
        },
        10_000,
        'the collector to listen',
      );
    },
    stop: async () => {
      if (child !== undefined) {
        child.kill('SIGCONT');
        await stopChild(child);
      }
      child = undefined;
    },
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    pid: () => child?.pid,
  };
}
