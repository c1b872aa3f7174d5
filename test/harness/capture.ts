/** tcpdump on the host side of the collector's veth, for the "encrypted in transit" proof. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { stopChild, waitFor } from './exec.js';

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
