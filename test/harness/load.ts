/**
 * Records of the kernel and of another program, at a steady rate, for the outage tests: the Python
 * generator (load_generator.py) and the temporary audit rule that makes its syscalls audited, and how
 * many of each arrived at the collector — as sent, or wrapped by auditrelay and unwrapped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT, run } from './exec.js';

/** Generator calls with a1 at or above this are audited (and nothing else on the machine is). */
const A1_BASE = 0x10000000;
/** Numbers one run may use. */
const RANGE = 0x100000;
/** The rule, as auditctl's arguments after -a / -d. */
export const LOAD_RULE = [
  'always,exit',
  '-F',
  'arch=b64',
  '-S',
  'getpriority',
  '-F',
  `a1>=${A1_BASE}`,
  '-k',
  'auditrelay-load',
];

/** Adds the audit rule; returns how to remove it. */
export async function addLoadRule(): Promise<() => Promise<void>> {
  const added = await run('auditctl', ['-a', ...LOAD_RULE]);
  if (added.code !== 0) throw new Error(`auditctl -a: ${added.stderr}`);
  return async () => {
    await run('auditctl', ['-d', ...LOAD_RULE]);
  };
}

export interface Load {
  readonly tag: string;
  /** Its syscalls carry a1 = base + N: a range of its own (another run's re-sent records are not its). */
  readonly base: number;
  /** Stops it; resolves with how many of each it wrote. */
  stop(): Promise<number>;
}

let runs = 0;

/** Starts the generator at `rate` records of each kind per second (stops by itself after `limitS`). */
export function startLoad(rate: number, tag: string, limitS = 600): Load {
  // 2^20 numbers per run, in one of 1,700 ranges: a1 stays below 2^31 (getpriority's `who` is a signed
  // int) and far above any pid.
  const base = A1_BASE + (((process.pid % 16) * 100 + runs++) % 1700) * RANGE;
  const generator = `${REPO_ROOT}test/harness/load_generator.py`;
  const child: ChildProcess = spawn('python3', [generator, String(rate), String(limitS), tag, String(base)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    tag,
    base,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      process.off('exit', killOnExit);
      const written = Number(out.trim());
      if (!Number.isInteger(written) || written <= 0)
        throw new Error(`the load generator wrote nothing (exit ${child.exitCode}): ${out}`);
      return written;
    },
  };
}

export interface Arrived {
  readonly kernel: Set<number>;
  readonly user: Set<number>;
  /** Of them, arrived only wrapped. */
  readonly kernelWrapped: number;
  readonly userWrapped: number;
}

/** The records of `load` in collector log text: as sent, and inside complete wrappers. */
export function loadArrived(text: string, load: Pick<Load, 'tag' | 'base'>): Arrived {
  const { tag, base } = load;
  const scan = (body: string) => {
    const kernel = new Set<number>();
    const user = new Set<number>();
    for (const m of body.matchAll(/ syscall=140 [^\n]*? a1=([0-9a-f]{8}) /g)) {
      const n = Number.parseInt(m[1] ?? '', 16) - base;
      if (n >= 0 && n < RANGE) kernel.add(n);
    }
    for (const m of body.matchAll(new RegExp(`artag=${tag} arn=(\\d+)`, 'g'))) user.add(Number(m[1]));
    return { kernel, user };
  };
  const sent = scan(text);
  const parts = new Map<string, string[]>();
  for (const m of text.matchAll(/ar_wid=(\d+) ar_wpart=(\d+)\/(\d+) ar_wmsg=([0-9A-F]*)/g)) {
    const list = parts.get(m[1] ?? '') ?? new Array<string>(Number(m[3]));
    list[Number(m[2]) - 1] = m[4] ?? '';
    parts.set(m[1] ?? '', list);
  }
  const unwrapped = [...parts.values()]
    .filter((p) => p.every((x) => x !== undefined))
    .map((p) => Buffer.from(p.join(''), 'hex').toString('latin1'));
  const wrapped = scan(unwrapped.join('\n'));
  const merge = (into: Set<number>, from: Set<number>) => {
    let added = 0;
    for (const n of from)
      if (!into.has(n)) {
        into.add(n);
        added++;
      }
    return added;
  };
  const kernelWrapped = merge(sent.kernel, wrapped.kernel);
  const userWrapped = merge(sent.user, wrapped.user);
  return { kernel: sent.kernel, user: sent.user, kernelWrapped, userWrapped };
}
