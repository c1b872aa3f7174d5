/**
 * What a killed run left on the machine, found and removed by the next run before it starts.
 *
 * A test run cleans up after itself, even when a test fails — but a run killed with SIGKILL (or cut off
 * with its machine's session) cannot. What it leaves is machine-wide and breaks the next run: the load
 * rule makes `auditctl -a` fail with "Rule exists", the collector's namespace makes the demo's "namespace
 * gone" check fail. This runs only while the run holds the kernel-audit lock (scripts/with-kernel-audit.sh),
 * so no other run of ours can be using any of it. It removes only what carries our names (the audit key
 * `auditrelay-*`, namespaces `auditrelayN`, host veths `arhN`, the guard route, temp dirs `auditrelay-*`,
 * binfmt_misc handlers `auditrelay-aarch64-N` where the host has binfmt_misc mounted).
 *
 * Processes: every process a run starts inherits AUDITRELAY_TEST_RUN (exported once the run holds the
 * lock). An auditd sets up a session of its own, so killing a run's process group leaves it running and
 * owning kernel audit — and every later run would skip the tests that need it. A root process carrying the
 * marker, found while this run holds the lock, belongs to a run that is gone: it is stopped by its PID
 * (SIGTERM, then SIGKILL after 5 s). A process of another user with the marker (a local user can set any
 * environment) or one that only names our temp dirs is named, never stopped, and the dirs it names stay.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { readProcess } from '../../src/forwarding/processes.js';
import { run } from './exec.js';

export interface Leftover {
  /** What it is, for the message. */
  readonly what: string;
  /** The command that removes it; undefined: reported only. */
  readonly remove?: readonly string[];
  /** A temp dir, removed with rm (not a command). */
  readonly dir?: string;
  /** A process of a run that is gone, stopped by this PID while it still has `started` as start time. */
  readonly stop?: number;
  readonly started?: number;
}

export interface ProcessView {
  readonly cmdline: string;
  /** Real uid. */
  readonly uid: number;
  /** Its environment carries RUN_MARKER, of another run than the one looking. */
  readonly marked: boolean;
  /** Start time (clock ticks after boot): with the pid, names this process and no later one. */
  readonly start: number;
}

/** Exported by scripts/with-kernel-audit.sh once a run holds the lock; inherited by what it starts. */
export const RUN_MARKER = 'AUDITRELAY_TEST_RUN';

export interface MachineView {
  /** `auditctl -l` */
  readonly rules: string;
  /** `ip netns list` */
  readonly netns: string;
  /** `ip -o link show` */
  readonly links: string;
  /** `ip route show` */
  readonly routes: string;
  /** Absolute paths of /tmp/auditrelay-* and /var/tmp/auditrelay-* that root owns (not links). */
  readonly tempDirs: readonly string[];
  /** Those names that another user owns, or that are links: any user may make them; never removed. */
  readonly strangers: readonly string[];
  /** Mount points (field 5 of /proc/self/mountinfo, octal escapes as the kernel writes them). */
  readonly mountPoints: readonly string[];
  /** The processes that carry RUN_MARKER or whose command line names one of our temp dirs. */
  readonly processes: ReadonlyMap<number, ProcessView>;
  /** Entries of the host's binfmt_misc, when it is mounted (emulation.ts names its handlers). */
  readonly binfmt: readonly string[];
  /** `auditctl -s` pid field: the auditd that owns kernel audit, 0 for none. */
  readonly auditdPid: number;
}

const BINFMT = '/proc/sys/fs/binfmt_misc';
export const GUARD_ROUTE = 'unreachable 10.200.0.0/16';

/** Everything a killed run of ours may have left, with how to remove each. Pure: tested on its own. */
export function findLeftovers(view: MachineView): Leftover[] {
  const found: Leftover[] = [];
  const keys = new Set<string>();
  for (const line of view.rules.split('\n')) {
    const key = /(?:-F key=|-k )(auditrelay-[A-Za-z0-9_-]+)/.exec(line)?.[1];
    if (key !== undefined) keys.add(key);
  }
  for (const key of keys)
    found.push({ what: `audit rule with key ${key}`, remove: ['auditctl', '-D', '-k', key] });
  // The host end first: deleting the namespace takes the pair with it, and the host end is then gone.
  for (const line of view.links.split('\n')) {
    const name = /^\d+:\s+(arh\d+)@/.exec(line)?.[1];
    if (name !== undefined) found.push({ what: `host veth ${name}`, remove: ['ip', 'link', 'del', name] });
  }
  for (const line of view.netns.split('\n')) {
    const name = /^(auditrelay\d+)(?:\s|$)/.exec(line)?.[1];
    if (name !== undefined)
      found.push({ what: `network namespace ${name}`, remove: ['ip', 'netns', 'del', name] });
  }
  if (view.routes.split('\n').some((line) => line.trim() === GUARD_ROUTE)) {
    found.push({ what: `route ${GUARD_ROUTE}`, remove: ['ip', 'route', 'del', ...GUARD_ROUTE.split(' ')] });
  }
  for (const name of view.binfmt) {
    if (/^auditrelay-aarch64-\d+$/.test(name)) {
      found.push({
        what: `binfmt_misc handler ${name}`,
        remove: ['sh', '-c', `echo -1 > ${BINFMT}/${name}`],
      });
    }
  }
  const staying: string[] = [];
  const stopped = new Set<number>();
  for (const [pid, process] of view.processes) {
    if (process.marked && process.uid === 0) {
      stopped.add(pid);
      found.push({
        what: `process ${pid} of a run that is gone: ${process.cmdline}`,
        stop: pid,
        started: process.start,
      });
    } else {
      staying.push(process.cmdline);
      const why = process.marked ? `carries ${RUN_MARKER} but is uid ${process.uid}` : 'names our temp dirs';
      found.push({ what: `process ${pid} (${why}; not stopped): ${process.cmdline}` });
    }
  }
  for (const dir of view.tempDirs) {
    const mounted = view.mountPoints.some((point) => point === dir || point.startsWith(`${dir}/`));
    const used = staying.some((cmdline) => cmdline.includes(dir));
    if (mounted) found.push({ what: `temp dir ${dir} (left: something is mounted in it)` });
    else if (used) found.push({ what: `temp dir ${dir} (left: a process above names it)` });
    else found.push({ what: `temp dir ${dir}`, dir });
  }
  for (const path of view.strangers) found.push({ what: `${path} (not root's, or a link: left)` });
  if (view.auditdPid !== 0 && !stopped.has(view.auditdPid)) {
    found.push({
      what: `an auditd (pid ${view.auditdPid}) owns kernel audit (not stopped): the tests that need it will be skipped`,
    });
  }
  return found;
}

/** A mountinfo mount point with the kernel's octal escapes (\040 for a space) undone. */
function unescapeMountPoint(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** /tmp/auditrelay-* and /var/tmp/auditrelay-*: root's, and the names anyone else made (a local user may). */
function ourTempDirs(): { ours: string[]; strangers: string[] } {
  const ours: string[] = [];
  const strangers: string[] = [];
  for (const parent of ['/tmp', '/var/tmp']) {
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^auditrelay-/.test(name)) continue;
      const path = join(parent, name);
      const stat = lstatOr(path);
      if (stat === undefined) continue;
      if (stat.uid === 0 && !stat.isSymbolicLink()) ours.push(path);
      else strangers.push(JSON.stringify(path).slice(1, -1));
    }
  }
  return { ours, strangers };
}

function lstatOr(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A process's real uid, or undefined when it is gone. */
function realUid(pid: string): number | undefined {
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}

/** The processes that carry the marker or name one of `prefixes`, this process and its parents left out. */
function processesOfInterest(prefixes: readonly string[]): Map<number, ProcessView> {
  const found = new Map<number, ProcessView>();
  const ancestors = ancestorsOfSelf();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || ancestors.has(Number(entry))) continue;
    let cmdline = '';
    let environ = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    // A run's own processes carry its value: only another value is a run that is gone.
    const run = environ.split('\0').find((pair) => pair.startsWith(`${RUN_MARKER}=`));
    const marked = run !== undefined && run !== `${RUN_MARKER}=${process.env[RUN_MARKER] ?? ''}`;
    const uid = realUid(entry);
    const start = readProcess(Number(entry))?.start;
    if (uid === undefined || start === undefined) continue;
    if (!marked && !prefixes.some((prefix) => cmdline.includes(prefix))) continue;
    // What a local user can name a process is untrusted: shown with what is not printable escaped.
    found.set(Number(entry), {
      cmdline: JSON.stringify(cmdline.slice(0, 200)).slice(1, -1),
      uid,
      marked,
      start,
    });
  }
  return found;
}

/** This process and every parent up to pid 1: never our leftovers, whatever their environment. */
function ancestorsOfSelf(): Set<number> {
  const chain = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && pid > 1 && !chain.has(pid); ) {
    chain.add(pid);
    pid = readProcess(pid)?.ppid;
  }
  return chain;
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves true once the process is gone. A pid whose start time
 * is no longer `started` is another process (the pid was reused): never signalled, and ours is gone.
 */
async function stopByPid(pid: number, started: number, graceMs = 5000): Promise<boolean> {
  const alive = () => readProcess(pid)?.start === started;
  const gone = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      if (!alive()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return !alive();
  };
  for (const [signal, wait] of [
    ['SIGTERM', graceMs],
    ['SIGKILL', 2000],
  ] as const) {
    if (!alive()) return true;
    try {
      process.kill(pid, signal);
    } catch {
      return !alive();
    }
    if (await gone(wait)) return true;
  }
  return false;
}

async function look(): Promise<MachineView> {
  const { ours, strangers } = ourTempDirs();
  const tempDirs = { tempDirs: ours, strangers };
  const text = async (file: string, args: string[]) => (await run(file, args)).stdout;
  const status = await text('auditctl', ['-s']);
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    .map(unescapeMountPoint);
  return {
    rules: await text('auditctl', ['-l']),
    netns: await text('ip', ['netns', 'list']),
    links: await text('ip', ['-o', 'link', 'show']),
    routes: await text('ip', ['route', 'show']),
    ...tempDirs,
    mountPoints,
    binfmt: existsSync(`${BINFMT}/register`) ? readdirSync(BINFMT) : [],
    processes: processesOfInterest(['/tmp/auditrelay-', '/var/tmp/auditrelay-']),
    auditdPid: Number(/^pid (\d+)$/m.exec(status)?.[1] ?? '0'),
  };
}

/** Finds, reports and removes; resolves with how many could not be removed that should have been. */
export async function removeLeftovers(say: (line: string) => void): Promise<number> {
  const found = findLeftovers(await look());
  if (found.length === 0) return 0;
  say(`leftovers: an earlier run ended without cleaning up (killed?); found ${found.length}:`);
  let failed = 0;
  // Processes first: what they held (a namespace, an audit socket, a temp dir) is then free.
  const ordered = [
    ...found.filter((l) => l.stop !== undefined),
    ...found.filter((l) => l.stop === undefined),
  ];
  for (const leftover of ordered) {
    if (leftover.stop !== undefined) {
      if (await stopByPid(leftover.stop, leftover.started ?? Number.NaN)) say(`  stopped ${leftover.what}`);
      else {
        failed += 1;
        say(`  could not stop ${leftover.what}`);
      }
    } else if (leftover.dir !== undefined) {
      rmSync(leftover.dir, { recursive: true, force: true });
      say(`  removed ${leftover.what}`);
    } else if (leftover.remove !== undefined) {
      const [file = '', ...args] = leftover.remove;
      const result = await run(file, args);
      if (result.code === 0) say(`  removed ${leftover.what}`);
      else {
        failed += 1;
        say(`  could not remove ${leftover.what}: ${leftover.remove.join(' ')}: ${result.stderr.trim()}`);
      }
    } else say(`  ${leftover.what}`);
  }
  return failed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const failed = await removeLeftovers((line) => process.stderr.write(`${line}\n`));
  process.exitCode = failed === 0 ? 0 : 1;
}
