/** A fake service manager for lifecycle tests: a NOTIFY_SOCKET listener that records what it is told. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, stopChild, waitFor } from './exec.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface NotifyListener {
  readonly path: string;
  /** Every datagram received so far, in order. */
  messages(): string[];
  /** Waits until a message containing `needle` arrived after index `from`; returns its index. */
  waitFor(needle: string, from?: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startNotifyListener(): Promise<NotifyListener> {
  const dir = makeTempDir('auditrelay-notify-');
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', [`${REPO_ROOT}test/harness/notify_listener.py`, path, '300'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: string[] = [];
  let ready = false;
  let buffer = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = JSON.parse(line) as { ready?: boolean; message?: string };
      if (parsed.ready === true) ready = true;
      else if (parsed.message !== undefined) messages.push(parsed.message);
    }
  });
  await waitFor(() => (ready ? true : undefined), 5000, 'the notify listener');
  return {
    path,
    messages: () => [...messages],
    waitFor: (needle, from = 0, timeoutMs = 10_000) =>
      waitFor(
        () => {
          const index = messages.findIndex((m, i) => i >= from && m.includes(needle));
          return index >= 0 ? index : undefined;
        },
        timeoutMs,
        `notify message ${JSON.stringify(needle)}`,
      ),
    stop: async () => {
      await stopChild(child);
      removeTempDir(dir);
    },
  };
}
