/**
 * Finding auditd and its audisp-remote child in /proc (readable by any user), and whether a TCP
 * connection to the collector's port is established (/proc/net/tcp, tcp6).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** Start time in clock ticks after boot: with the pid, names one process (a reused pid differs). */
  readonly start: number;
}

/** Parses /proc/<pid>/stat: "pid (comm) state ppid …" (comm may hold spaces and parentheses). */
export function parseStat(text: string): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: Number(rest[1]),
    start: Number(rest[19]),
  };
}

/** One process's /proc/<pid>/stat, or undefined when it is gone. */
export function readProcess(pid: number, proc = '/proc'): ProcessInfo | undefined {
  try {
    return parseStat(readFileSync(`${proc}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function listProcesses(proc = '/proc'): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const info = parseStat(readFileSync(`${proc}/${name}/stat`, 'utf8'));
      if (info !== undefined) out.push(info);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

export interface ForwardingProcesses {
  readonly auditd: number | undefined;
  readonly audispRemote: number | undefined;
}

/** The auditd that runs audisp-remote (or `auditdPid` when known, e.g. from the kernel), and that child. */
export function forwardingProcesses(
  processes: readonly ProcessInfo[],
  auditdPid?: number,
): ForwardingProcesses {
  const remotes = processes.filter((p) => p.comm === 'audisp-remote');
  const auditds = processes.filter(
    (p) => p.comm === 'auditd' && (auditdPid === undefined || p.pid === auditdPid),
  );
  const parent = auditds.find((a) => remotes.some((r) => r.ppid === a.pid)) ?? auditds[0];
  return { auditd: parent?.pid, audispRemote: remotes.find((r) => r.ppid === parent?.pid)?.pid };
}

/**
 * Forwarding is up when an audisp-remote runs and has an ESTABLISHED connection to the collector's port:
 * the one definition, for `status` and for the daemon's forwarding monitor.
 */
export function forwardingUp(audispRemotePid: number | undefined, port: number): boolean {
  return audispRemotePid !== undefined && establishedToPort(port, audispRemotePid);
}

/**
 * True when a TCP connection to remote `port` is ESTABLISHED in the network namespace of process `pid`
 * (its /proc/<pid>/net/tcp{,6}: readable by any user, and right even when we run with PrivateNetwork=).
 */
export function establishedToPort(port: number, pid: number, procRoot = '/proc'): boolean {
  const proc = `${procRoot}/${pid}`;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${proc}/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, , remote, state] = line.trim().split(/\s+/);
      if (state === '01' && remote?.endsWith(`:${hexPort}`)) return true;
    }
  }
  return false;
}
