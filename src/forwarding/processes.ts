/**
 * Finding auditd and its audisp-remote child in /proc, in a way no local user can fake: a process counts
 * only when all its uids are 0 (/proc/<pid>/status, readable by anyone; only root starts such a process),
 * audisp-remote only as the child of that auditd, and — where we may read it (root: `status`) — only
 * when its executable is auditd's or audisp-remote's. `comm` alone, which any process sets, decides
 * nothing. A connection counts only when it is one of audisp-remote's own sockets (its fds' inodes
 * matched in /proc/<pid>/net/tcp; root only), never any socket in the namespace.
 *
 * @relation(AR-REQ-018)
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

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

/** Whether /proc/<pid>/status says every uid (real, effective, saved, filesystem) is 0. */
export function parseRootOwned(status: string): boolean {
  const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(status);
  return uids?.slice(1).every((uid) => uid === '0') ?? false;
}

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** One process's /proc/<pid>/stat, or undefined when it is gone. */
export function readProcess(pid: number, proc = '/proc'): ProcessInfo | undefined {
  return readOr(() => parseStat(readFileSync(`${proc}/${pid}/stat`, 'utf8')));
}

export function listProcesses(proc = '/proc'): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name), proc);
    if (info !== undefined) out.push(info);
  }
  return out;
}

function rootOwned(pid: number, proc: string): boolean {
  return readOr(() => parseRootOwned(readFileSync(`${proc}/${pid}/status`, 'utf8'))) === true;
}

/**
 * Whether the process's executable is `program` — or unknown to us (only root may read another root
 * process's exe link). An upgraded binary reads "… (deleted)".
 */
function runs(pid: number, program: string, proc: string): boolean {
  const exe = readOr(() => readlinkSync(`${proc}/${pid}/exe`));
  return exe === undefined || basename(exe.replace(/ \(deleted\)$/, '')) === program;
}

/** auditd or audisp-remote as named, root-owned, running that program. */
function genuine(p: ProcessInfo, program: 'auditd' | 'audisp-remote', proc: string): boolean {
  return p.comm === program && rootOwned(p.pid, proc) && runs(p.pid, program, proc);
}

export interface ForwardingProcesses {
  readonly auditd: number | undefined;
  readonly audispRemote: number | undefined;
}

/**
 * The auditd that runs audisp-remote (or `auditdPid` when known, e.g. from the kernel), and that child;
 * both root-owned and running their programs. An auditd without that child is not named: it may be a
 * collector's on the same machine, which owns no kernel audit (the caller keeps one it knew).
 */
export function forwardingProcesses(
  processes: readonly ProcessInfo[],
  auditdPid?: number,
  proc = '/proc',
): ForwardingProcesses {
  const auditds = processes.filter(
    (p) => (auditdPid === undefined || p.pid === auditdPid) && genuine(p, 'auditd', proc),
  );
  const remotes = processes.filter(
    (p) => auditds.some((a) => a.pid === p.ppid) && genuine(p, 'audisp-remote', proc),
  );
  const parent =
    auditds.find((a) => remotes.some((r) => r.ppid === a.pid)) ??
    (auditdPid === undefined ? undefined : auditds[0]);
  return { auditd: parent?.pid, audispRemote: remotes.find((r) => r.ppid === parent?.pid)?.pid };
}

/** Whether `pid` (found as above) is still that process: same start time, root-owned, same parent. */
export function stillRunning(
  known: ProcessInfo,
  parent: number | undefined,
  proc = '/proc',
): ProcessInfo | undefined {
  const now = readProcess(known.pid, proc);
  if (now === undefined || now.start !== known.start) return undefined;
  if (parent !== undefined && now.ppid !== parent) return undefined;
  return rootOwned(now.pid, proc) ? now : undefined;
}

/** The inodes of the sockets process `pid` holds (root only: /proc/<pid>/fd of another user's process). */
export function socketInodes(pid: number, proc = '/proc'): Set<string> | undefined {
  const fds = readOr(() => readdirSync(`${proc}/${pid}/fd`));
  if (fds === undefined) return undefined;
  const inodes = new Set<string>();
  for (const fd of fds) {
    const target = readOr(() => readlinkSync(`${proc}/${pid}/fd/${fd}`));
    const inode = target === undefined ? undefined : /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  return inodes;
}

/**
 * Whether one of process `pid`'s own sockets has an ESTABLISHED TCP connection to remote `port` (in its
 * network namespace: /proc/<pid>/net/tcp{,6}). Undefined when its sockets cannot be read (not root).
 */
export function connectedToPort(pid: number, port: number, proc = '/proc'): boolean | undefined {
  const own = socketInodes(pid, proc);
  if (own === undefined) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['net/tcp', 'net/tcp6']) {
    const text = readOr(() => readFileSync(`${proc}/${pid}/${table}`, 'utf8'));
    if (text === undefined) continue;
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '01' && f[2]?.endsWith(`:${hexPort}`) && own.has(f[9] ?? '')) return true;
    }
  }
  return false;
}
