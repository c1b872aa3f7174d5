/**
 * A fleet of simulated devices against one collector: N real audisp-remote processes (remote-sender.ts),
 * each with its own principal `auditd/dev-NNNN` and keytab — made in one kadmin.local run — fed
 * synthetic records numbered as our daemon numbers them (`ar_run`, `ar_seq`), so `auditrelay verify`
 * accounts for every device at the collector. Senders start a bounded number at a time.
 */
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';
import type { Kdc } from './kdc.js';
import { type RemoteSender, startRemoteSender } from './remote-sender.js';

export interface FleetDevice {
  readonly name: string;
  /** Its principal as the collector appends it. */
  readonly principal: string;
  /** The daemon run id its records carry. */
  readonly run: string;
  sender: RemoteSender;
  /** The last ar_seq sent. */
  seq: number;
}

export interface Fleet {
  readonly devices: readonly FleetDevice[];
  /** One numbered record of `device` (its next ar_seq), carrying `sentMs` for latency. */
  send(device: FleetDevice, count?: number): void;
  /**
   * Starts `device`'s audisp-remote again (as auditd restarts a plugin that ended) and sends its last
   * record again; returns how the previous one ended (`SIGSEGV`, `exit 1`, or `running`).
   */
  restart(device: FleetDevice): Promise<string>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  readonly kdc: Kdc;
  readonly realm: string;
  readonly n: number;
  /** Where makeFleetKeytabs put the devices' keytabs. */
  readonly keys: string;
  /** A device's audisp-remote.conf to derive each sender's from. */
  readonly conf: string;
  readonly collector: { readonly host: string; readonly port: number };
  /** Senders started at once. */
  readonly concurrency?: number;
}

export const deviceName = (i: number) => `dev-${String(i + 1).padStart(4, '0')}`;

/** The record line auditd would hand audisp-remote for one of our records. */
export function fleetLine(name: string, runId: string, seq: number, sentMs: number): string {
  const at = (sentMs / 1000).toFixed(3);
  return (
    `node=${name} type=TRUSTED_APP msg=audit(${at}:${seq}): pid=1 uid=0 auid=4294967295 ses=4294967295 ` +
    `msg='op=fleet-bench sent_ms=${sentMs} ar_run="${runId}" ar_seq="${seq}" exe="/usr/bin/node" ` +
    `hostname=? addr=? terminal=? res=success'`
  );
}

/**
 * Principals and keytabs (`<dir>/dev-NNNN.key`) for `n` devices, in one kadmin.local run (one run per
 * principal costs ~50 ms each).
 */
export async function makeFleetKeytabs(kdc: Kdc, n: number, dir: string): Promise<void> {
  const names = Array.from({ length: n }, (_, i) => deviceName(i));
  const input = names
    .flatMap((name) => [
      `addprinc -randkey auditd/${name}`,
      `ktadd -k ${join(dir, `${name}.key`)} auditd/${name}`,
    ])
    .join('\n');
  const result = await run('kadmin.local', [], { env: kdc.env, input: `${input}\n` });
  if (result.code !== 0) throw new Error(`kadmin.local: ${result.stderr}`);
  for (const name of names) {
    chownSync(join(dir, `${name}.key`), 0, 0);
    chmodSync(join(dir, `${name}.key`), 0o400);
  }
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const devices: FleetDevice[] = [];
  const stop = async () => {
    await Promise.all(devices.map((d) => d.sender.stop()));
  };
  const start = (name: string) =>
    startRemoteSender({
      kdc: options.kdc,
      realm: options.realm,
      hostname: name,
      keytab: join(options.keys, `${name}.key`),
      syslog: false,
      conf: options.conf,
      collector: options.collector,
    });
  try {
    const names = Array.from({ length: options.n }, (_, i) => deviceName(i));
    const batch = options.concurrency ?? 50;
    for (let i = 0; i < names.length; i += batch) {
      const started = await Promise.all(
        names.slice(i, i + batch).map(async (name, j) => {
          const sender = await start(name);
          const runId = (0x100000000000 + i + j).toString(16).slice(-12);
          return { name, principal: sender.principal, run: runId, sender, seq: 0 };
        }),
      );
      devices.push(...started);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    devices,
    send: (device, count = 1) => {
      const now = Date.now();
      const lines: string[] = [];
      for (let k = 0; k < count; k++) lines.push(fleetLine(device.name, device.run, ++device.seq, now));
      device.sender.send(lines);
    },
    restart: async (device) => {
      const child = device.sender.child;
      const ended =
        child.signalCode !== null
          ? child.signalCode
          : child.exitCode !== null
            ? `exit ${child.exitCode}`
            : 'running';
      await device.sender.stop();
      device.sender = await start(device.name);
      device.sender.send([fleetLine(device.name, device.run, device.seq, Date.now())]);
      return ended;
    },
    stop,
  };
}
