/** tcpdump on the host side of the collector's veth, for the "encrypted in transit" proof. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findByNonce } from './ausearch.js';
import { COLLECTOR_PORT } from './collector.js';
import { CLI, run, stopChild, waitFor } from './exec.js';
import type { Lab } from './lab.js';

export interface Capture {
  /** Stops tcpdump and returns the raw pcap bytes. */
  stop(): Promise<Buffer>;
}

export async function startCapture(iface: string, port: number, file: string): Promise<Capture> {
  // --immediate-mode: without it a short capture writes no packets (lab gotcha 10).
  const child: ChildProcess = spawn(
    'tcpdump',
    ['-i', iface, '--immediate-mode', '-U', '-s', '0', '-w', file, `tcp port ${port}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => (stderr.includes('listening on') ? true : undefined), 10_000, 'tcpdump to listen');
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stopChild(child, 'SIGINT');
      return readFileSync(file);
    },
  };
}

/**
 * Sends a random secret through the whole lab while capturing the device → collector traffic; resolves
 * once the collector has the record, with the captured bytes and the secret to look for in them.
 */
export async function captureSecret(lab: Lab, name: string): Promise<{ pcap: Buffer; secret: string }> {
  const capture = await startCapture(lab.ns.hostIf, COLLECTOR_PORT, `${lab.root.root}/${name}.pcap`);
  const secret = `secret-${randomUUID()}`;
  const sent = await run('node', [
    CLI,
    'emit',
    '--socket',
    lab.daemon.socket,
    '--type',
    'USYS_CONFIG',
    '--op',
    'set',
    `nonce=${secret}`,
  ]);
  if (sent.code !== 0) throw new Error(`emit failed: ${sent.stderr}`);
  await findByNonce(lab.collector.log, secret, 15_000);
  return { pcap: await capture.stop(), secret };
}
