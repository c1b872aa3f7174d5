/**
 * Runs `auditrelay run` for a test: writes a config into a temp dir, starts the daemon (optionally through
 * a wrapper such as setpriv), waits until its socket answers, and stops it by its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bind, chrootSteps } from './chroot.js';
import { CLI, stopChild, waitFor } from './exec.js';
import { withPrivateMounts } from './mount-ns.js';
import { stageProgram } from './staged-program.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface RunningDaemon {
  readonly dir: string;
  readonly socket: string;
  readonly config: string;
  readonly child: ChildProcess;
  /** Everything the daemon wrote to stderr so far. */
  log(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface DaemonOptions {
  /** The config body; `{socket}` is replaced by the socket path. */
  readonly config: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Command words put before `node cli.js run` (e.g. setpriv …). */
  readonly wrapper?: readonly string[];
  /** Wait for the socket to accept connections (false when the test passes a socket via LISTEN_FDS). */
  readonly waitForSocket?: boolean;
  readonly stdio?: Array<'ignore' | 'pipe' | 'inherit' | number>;
  /** Give the temp dir to this uid (a daemon run unprivileged must create its socket there). */
  readonly dirOwner?: number;
  /** The entry point to run; a daemon run as another user needs a staged copy (staged-program.ts). */
  readonly cli?: string;
  /**
   * Another release's root to run the daemon in, on that release's Node, through chroot, with the
   * node_modules built there: a staged copy of the program is mounted at /opt/auditrelay and the daemon's
   * dir at its own path.
   */
  readonly device?: { readonly root: string; readonly nodeModules: string; readonly binds?: readonly Bind[] };
  /** Options for node itself, before the entry point (e.g. the unit's V8 flags: unitNodeFlags()). */
  readonly nodeFlags?: readonly string[];
}

/** The words that run `node CLI` for `options`, and what to remove at stop. */
function daemonCommand(options: DaemonOptions, dir: string): { words: string[]; cleanup: () => void } {
  const device = options.device;
  const flags = options.nodeFlags ?? [];
  if (device === undefined) {
    const words = [...(options.wrapper ?? []), process.execPath, ...flags, options.cli ?? CLI];
    return { words, cleanup: () => {} };
  }
  const staged = stageProgram(device.nodeModules);
  const steps = chrootSteps(device.root, [
    { host: dir, inRoot: dir, dir: true },
    { host: staged.dir, inRoot: '/opt/auditrelay', dir: true },
    ...(device.binds ?? []),
  ]);
  const words = withPrivateMounts(steps, ['chroot', device.root, '/usr/bin/node', ...flags]);
  return { words: [...words, '/opt/auditrelay/dist/src/cli.js'], cleanup: () => staged.remove() };
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const dir = makeTempDir('auditrelay-daemon-', 0o755);
  if (options.dirOwner !== undefined) chownSync(dir, options.dirOwner, options.dirOwner);
  const socket = join(dir, 'events.sock');
  const config = join(dir, 'auditrelay.toml');
  writeFileSync(config, options.config.replaceAll('{socket}', socket));
  chmodSync(config, 0o644);
  const command = daemonCommand(options, dir);
  const words = [...command.words, 'run', '--config', config];
  const [file, ...args] = words;
  const child = spawn(file ?? process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: options.stdio ?? ['ignore', 'ignore', 'pipe'],
  });
  // A test that fails before its stop() leaves no daemon running: the test process kills it as it exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const daemon: RunningDaemon = {
    dir,
    socket,
    config,
    child,
    log: () => stderr,
    stop: async () => {
      await stopChild(child);
      removeTempDir(dir);
      command.cleanup();
      return child.exitCode;
    },
  };
  if (options.waitForSocket !== false) {
    try {
      await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}): ${stderr}`);
          return existsSync(socket) && stderr.includes('listening') ? true : undefined;
        },
        10_000,
        'the daemon to listen',
      );
    } catch (error) {
      await daemon.stop();
      throw error;
    }
  }
  return daemon;
}

/** A config allowing `uids` every listed type; heartbeat off unless given. */
export function configFor(uids: readonly number[], types: readonly string[], extra = ''): string {
  return [
    '[daemon]',
    'socket = "{socket}"',
    extra.includes('heartbeat_interval') ? '' : 'heartbeat_interval = "0s"',
    extra,
    '[[clients]]',
    'name = "test"',
    `uids = [${uids.join(', ')}]`,
    `types = [${types.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
}
