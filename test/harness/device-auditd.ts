/**
 * The device's auditd, configured by `auditrelay apply --root ROOT`: in a private mount namespace ROOT's
 * /etc/audit and krb5.conf are bind-mounted over the real ones (audisp-remote's config path is compiled in
 * and auditd gives plugins an empty environment — platform-facts), then `auditd -n` starts. The real /etc
 * is never changed. Stopped by PID; kernel audit state restored and checked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { forwardingProcesses, listProcesses } from '../../src/forwarding/processes.js';
import { type Bind, chrootSteps } from './chroot.js';
import { REPO_ROOT, stopChild, waitFor } from './exec.js';
import { type KernelStatus, kernelStatus, restoreKernelStatus } from './kernel-audit.js';
import { withPrivateMounts } from './mount-ns.js';
import { syslogCapture } from './syslog.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface DeviceAuditd {
  readonly child: ChildProcess;
  /** auditd's pid (its parent is the reaper we started). */
  readonly pid: number;
  output(): string;
  /** What auditd and audisp-remote sent to syslog (their only error channel). */
  syslog(): string[];
  /** audisp-remote's pid, when running. */
  audispRemote(): number | undefined;
  /** Kernel audit state before the first device auditd started (what stop() restores). */
  readonly kernelBefore: KernelStatus;
  /** Stops auditd as `systemctl stop auditd` would: kernel audit state is left as auditd leaves it. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Mounts that give auditd ROOT's /etc/audit and krb5.conf, and the command that starts it: the host's
 * auditd, or that of another release's root (`deviceRoot`), run through chroot. */
function auditdCommand(root: string, deviceRoot: string): { mounts: string[]; command: string[] } {
  const krb5 = existsSync(`${root}/etc/krb5.conf`);
  if (deviceRoot === '/') {
    const mounts = [`mount --bind ${root}/etc/audit /etc/audit`];
    if (krb5) mounts.push(`mount --bind ${root}/etc/krb5.conf /etc/krb5.conf`);
    return { mounts, command: ['auditd', '-n'] };
  }
  const binds: Bind[] = [{ host: `${root}/etc/audit`, inRoot: '/etc/audit', dir: true }];
  if (krb5) binds.push({ host: `${root}/etc/krb5.conf`, inRoot: '/etc/krb5.conf', dir: false });
  return {
    mounts: chrootSteps(deviceRoot, binds),
    command: ['chroot', deviceRoot, '/usr/sbin/auditd', '-n'],
  };
}

/**
 * Starts the device auditd (the host's, or `deviceRoot`'s); `kernelBefore` when it replaces one (restore
 * what the first one found).
 */
export async function startDeviceAuditd(
  root: string,
  kernelBefore?: KernelStatus,
  deviceRoot = '/',
): Promise<DeviceAuditd> {
  const before: KernelStatus = kernelBefore ?? (await kernelStatus());
  const logDir = makeTempDir('auditrelay-device-syslog-');
  const syslog = syslogCapture(logDir);
  const { mounts, command } = auditdCommand(root, deviceRoot);
  // The reaper stays auditd's parent and reaps audisp-remote, which auditd leaves behind as a zombie.
  const words = withPrivateMounts([...syslog.mounts, ...mounts], command);
  const child = spawn('python3', [`${REPO_ROOT}test/harness/reaper.py`, ...words], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let pid = -1;
  const device: DeviceAuditd = {
    child,
    get pid() {
      return pid;
    },
    output: () => output,
    syslog: () => syslog.lines(),
    audispRemote: () => forwardingProcesses(listProcesses(), pid).audispRemote,
    kernelBefore: before,
    kill: async () => {
      await stopChild(child);
      removeTempDir(logDir);
    },
    stop: async () => {
      await stopChild(child);
      await restoreKernelStatus(before);
      removeTempDir(logDir);
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`device auditd exited (${child.exitCode}): ${output}`);
        const owner = Number((await kernelStatus())['pid']);
        if (owner <= 0 || listProcesses().find((p) => p.pid === owner)?.ppid !== child.pid) return undefined;
        pid = owner;
        return true;
      },
      10_000,
      'the device auditd to own kernel audit',
    );
  } catch (error) {
    await device.stop();
    throw error;
  }
  return device;
}
