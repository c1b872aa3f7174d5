/**
 * A private auditd that owns kernel audit for one test and writes every record to a log in a temp dir
 * (`auditd -n -c DIR`), so tests read what the kernel really accepted with `ausearch -if LOG`.
 * Stopped by its PID; kernel audit state restored and checked afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild, waitFor } from './exec.js';
import { type KernelStatus, kernelStatus, restoreKernelStatus } from './kernel-audit.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface CapturingAuditd {
  readonly dir: string;
  readonly log: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface CapturingOptions {
  /** false: forward only (write_logs = no), for benchmarks. */
  readonly writeLogs?: boolean;
  readonly qDepth?: number;
}

function config(dir: string, log: string, options: CapturingOptions): string {
  return [
    'local_events = yes',
    `write_logs = ${options.writeLogs === false ? 'no' : 'yes'}`,
    `log_file = ${log}`,
    'log_format = ENRICHED',
    'flush = INCREMENTAL_ASYNC',
    'freq = 50',
    'max_log_file = 256',
    'num_logs = 2',
    'max_log_file_action = ROTATE',
    'space_left = 75',
    'admin_space_left = 50',
    'name_format = HOSTNAME',
    `q_depth = ${options.qDepth ?? 65536}`,
    `plugin_dir = ${join(dir, 'plugins.d')}`,
    '',
  ].join('\n');
}

/** Starts the private auditd and waits until it owns kernel audit (`auditctl -s` shows its pid). */
export async function startCapturingAuditd(options: CapturingOptions = {}): Promise<CapturingAuditd> {
  const before: KernelStatus = await kernelStatus();
  const dir = makeTempDir('auditrelay-auditd-');
  const log = join(dir, 'log', 'audit.log');
  mkdirSync(join(dir, 'log'), { mode: 0o750 });
  mkdirSync(join(dir, 'plugins.d'));
  writeFileSync(join(dir, 'auditd.conf'), config(dir, log, options));
  chmodSync(join(dir, 'auditd.conf'), 0o640);
  const child: ChildProcess = spawn('auditd', ['-n', '-c', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const pid = child.pid ?? -1;
  const stop = async () => {
    await stopChild(child);
    await restoreKernelStatus(before);
    removeTempDir(dir);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`auditd exited (${child.exitCode}): ${stderr}`);
        return (await kernelStatus())['pid'] === String(pid) ? true : undefined;
      },
      10_000,
      'the private auditd to own kernel audit',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, log, pid, stop };
}
