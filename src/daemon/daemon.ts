/**
 * The daemon's lifecycle: start in order (emitter → listener → READY → heartbeat → watchdog), reload on
 * request (validate first; on error keep the old config), stop in reverse (stop accepting, answer what was
 * read, close the audit fd) within a deadline. Each stop step runs in its own try/catch.
 */
import type { Server, Socket } from 'node:net';
import { Emitter, type EmitterOptions, type EmitterPort } from '../audit/emitter.js';
import type { TypeTable } from '../audit/event-types.js';
import { heartbeatRecord } from '../audit/heartbeat.js';
import { newRunId } from '../audit/numbering.js';
import type { Pace } from '../audit/pacer.js';
import type { EmitRecord, Sender } from '../audit/record.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { socketFd } from '../socket-fd.js';
import type { ListenFds } from '../systemd/listen-fds.js';
import type { Notifier } from '../systemd/notifier.js';
import type { Accounts } from './accounts.js';
import { openFileLimit } from './admission.js';
import { Clients } from './clients.js';
import { type Counters, countKernelFailure, newCounters, summary } from './counters.js';
import { ForwardingWatch } from './forwarding-watch.js';
import { kernelLostAtStart } from './kernel-baseline.js';
import { openListener } from './listener.js';
import { memoryMiB } from './memory.js';
import { RefusalReporter } from './refusals.js';
import { handleRequest, type RequestContext } from './requests.js';
import { prepareRuntime, type Runtime, restartOnlyChanges } from './runtime.js';
import { identifySender } from './sender.js';
import type { DaemonStatus } from './status-reply.js';
import { StatusService } from './status-service.js';

export interface DaemonDeps {
  readonly log: Logger;
  readonly notifier: Notifier;
  readonly accounts: Accounts;
  readonly types: TypeTable;
  /** Sockets systemd passed (socket activation): the applications' and the relay's. */
  readonly listenFds: ListenFds;
  readonly version: string;
  /** The path to the kernel (default: the worker-thread Emitter over libaudit). */
  readonly makeEmitter?: (options: EmitterOptions) => EmitterPort;
  /** The kernel's identity of an accepted socket's peer (default: SO_PEERCRED and friends). */
  readonly identify?: (socket: Socket) => Sender;
  /** Wall clock in ms (default Date.now): uptime and the time stamps of status. */
  readonly now?: () => number;
  /** The kernel's lost counter at start (default: kernel-baseline.ts). */
  readonly kernelLostAtStart?: () => number | null;
}

const STATUS_PERIOD_MS = 5000;
/**
 * The watchdog's health check: records waiting this long with no answer from the worker mean the path to
 * the kernel is wedged. A full kernel backlog legitimately holds one call up to backlog_wait_time (60 s by
 * default), so only longer counts; systemd then restarts the daemon within WatchdogSec.
 */
const WATCHDOG_STALL_MS = 75_000;
/**
 * The emitter's worker is retired after this long with nothing to write (its thread and V8 heap are about
 * 10 MiB of a ~70 MiB daemon), and started again by the next record. Shorter than the default heartbeat
 * interval (60 s), so a quiet device holds it about a tenth of the time.
 */
const WORKER_IDLE_MS = 5000;

export class Daemon {
  readonly #deps: DaemonDeps;
  readonly #counters: Counters = newCounters();
  readonly #clients: Clients;
  readonly #emitter: EmitterPort;
  readonly #runId = newRunId();
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #kernelLostAtStart: number | null;
  #runtime: Runtime;
  readonly #refusals: RefusalReporter;
  #server: Server | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #statusTimer: NodeJS.Timeout | undefined;
  readonly #forwarding: ForwardingWatch | undefined;
  /** What request handling needs from the daemon; built once (it reads the runtime through a getter). */
  readonly #requests: RequestContext;

  constructor(runtime: Runtime, deps: DaemonDeps) {
    this.#runtime = runtime;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#kernelLostAtStart = (deps.kernelLostAtStart ?? kernelLostAtStart)();
    this.#emitter = (deps.makeEmitter ?? ((options) => new Emitter(options)))({
      pace: paceOf(runtime.config),
      run: this.#runId,
      onAccepted: (record, seq) => this.#forwarding?.accepted(record, seq),
      onAnswered: () => this.#clients.queueMoved(),
      retireIdleWorkerMs: WORKER_IDLE_MS,
    });
    this.#refusals = new RefusalReporter(
      (record) => void this.#emitInternal(record),
      runtime.config.daemon.refusal_report_interval,
    );
    this.#requests = {
      emitter: this.#emitter,
      types: this.#deps.types,
      counters: this.#counters,
      refusals: this.#refusals,
      log: this.#deps.log,
      runtime: () => this.#runtime,
      status: new StatusService({
        build: () => this.status(),
        named: (peer) => this.#runtime.policy.names(peer),
        now: () => this.#now(),
      }),
      now: () => this.#now(),
    };
    this.#clients = new Clients({
      identify: deps.identify ?? ((socket) => identifySender(socketFd(socket))),
      handle: (line, peer, answer, pacing) => handleRequest(this.#requests, line, peer, answer, pacing),
      config: () => this.#runtime.config.daemon,
      congested: () => this.#emitter.pending >= this.#runtime.config.daemon.queue_limit,
      log: deps.log,
      fdLimit: openFileLimit(),
    });
    const { forwarding } = runtime.config;
    this.#forwarding =
      forwarding === undefined
        ? undefined
        : new ForwardingWatch(
            { ...runtime.config, forwarding },
            {
              emit: (record) => this.#emitter.emit(record),
              heartbeat: () => void this.#beat(),
              log: deps.log,
              relayFd: deps.listenFds.relay,
            },
          );
  }

  get counters(): Readonly<Counters> {
    return this.#counters;
  }

  async start(): Promise<void> {
    const { config, socketGid } = this.#runtime;
    const mode = Number.parseInt(config.daemon.socket_mode, 8);
    this.#server = await openListener(
      { path: config.daemon.socket, mode, gid: socketGid, fd: this.#deps.listenFds.events },
      (socket) => this.#clients.accept(socket),
    );
    const where =
      this.#deps.listenFds.events === undefined ? config.daemon.socket : 'the socket systemd passed';
    this.#deps.log.notice(`auditrelay ${this.#deps.version} listening on ${where} (run ${this.#runId})`);
    this.#deps.notifier.ready(summary(this.#counters));
    await this.#forwarding?.start();
    this.#startHeartbeat();
    this.#statusTimer = setInterval(
      () => this.#deps.notifier.status(summary(this.#counters)),
      STATUS_PERIOD_MS,
    );
    this.#deps.notifier.startWatchdog(() => this.#emitter.stalledMs() < WATCHDOG_STALL_MS);
  }

  /** Re-reads the config file; on any problem logs it and keeps running with the old one. */
  reload(): void {
    this.#deps.notifier.reloading();
    try {
      const config = loadConfig(this.#runtime.file);
      const next = prepareRuntime(this.#runtime.file, config, this.#deps.accounts, this.#deps.types);
      const needRestart = restartOnlyChanges(this.#runtime.config, next.config);
      if (needRestart.length > 0)
        this.#deps.log.warning(`reload: ${needRestart.join(', ')} change only on restart`);
      const heartbeatChanged =
        next.config.daemon.heartbeat_interval !== this.#runtime.config.daemon.heartbeat_interval;
      this.#runtime = next;
      this.#refusals.setInterval(next.config.daemon.refusal_report_interval);
      this.#emitter.setPace(paceOf(next.config));
      this.#forwarding?.reload(next.config);
      if (heartbeatChanged) this.#startHeartbeat();
      this.#clients.updateFlow();
      this.#deps.log.notice(`reloaded configuration from ${next.file}`);
    } catch (error) {
      this.#deps.log.error(
        `reload failed, keeping the running configuration: ${String(error instanceof Error ? error.message : error)}`,
      );
    }
    this.#deps.notifier.ready(summary(this.#counters));
  }

  /** Stops accepting, answers every request already read, closes the audit fd. Resolves when done. */
  async stop(): Promise<void> {
    const { notifier, log } = this.#deps;
    notifier.stopping();
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['stop accepting', () => this.#closeServer()],
      // What is left is bounded by queue_limit, far below auditd's q_depth: finish it unpaced.
      ['stop pacing', () => this.#emitter.setPace({ rate: 0, burst: 1 })],
      ['stop timers', () => this.#stopTimers()],
      ['answer in-flight requests', () => this.#clients.drain(this.#runtime.config.daemon.stop_timeout)],
      ['record refusals', () => this.#refusals.stop()],
      // The last heartbeat says the run ended cleanly (hb_stop): verify tells it from a lost tail.
      [
        'hand audisp-remote over to the next daemon',
        () =>
          this.#forwarding === undefined ? this.#beat(true) : this.#forwarding.stop(() => this.#beat(true)),
      ],
      ['close the audit fd', () => this.#emitter.close(this.#runtime.config.daemon.stop_timeout)],
    ];
    for (const [name, step] of steps) {
      try {
        log.debug(`stop: ${name}`);
        await step();
      } catch (error) {
        log.error(`stop: ${name} failed: ${String(error)}`);
      }
    }
    log.notice(`stopped: ${summary(this.#counters)}`);
  }

  status(): DaemonStatus {
    const c = this.#counters;
    return {
      version: this.#deps.version,
      pid: process.pid,
      run: this.#runId,
      uptime_s: Math.round((this.#now() - this.#startedAt) / 1000),
      connections: this.#clients.open,
      connection_cap: this.#clients.counts.cap,
      memory: memoryMiB(),
      queue: { pending: this.#emitter.pending, limit: this.#runtime.config.daemon.queue_limit },
      pace: { max_rate: this.#emitter.pace.rate, max_burst: this.#emitter.pace.burst },
      kernel: {
        lost_at_start: this.#kernelLostAtStart,
        fd_open: this.#emitter.fdOpen,
        last_error: c.lastKernelError ?? null,
        last_error_at: c.lastKernelErrorAt ?? null,
      },
      counters: {
        accepted: c.accepted,
        emitted: c.emitted,
        refused_policy: c.refusedPolicy,
        malformed: c.malformed,
        kernel_failures: c.kernelFailures,
        connections_accepted: this.#clients.counts.accepted,
        connections_refused: this.#clients.counts.refused,
      },
      heartbeat: {
        interval_s: this.#runtime.config.daemon.heartbeat_interval / 1000,
        seq: c.heartbeatSeq,
        last_at: c.lastHeartbeatAt ?? null,
        last_ok: c.lastHeartbeatOk ?? null,
      },
      ...(this.#forwarding?.status() ?? {
        forwarding: null,
        relay: null,
        tap: null,
        retention: null,
        foreign_retention: null,
        recovery: null,
      }),
    };
  }

  async #emitInternal(record: EmitRecord): Promise<boolean> {
    const outcome = await this.#emitter.emit(record);
    if (!outcome.ok) {
      countKernelFailure(this.#counters, outcome.code, this.#now());
      this.#deps.log.error(`kernel refused an auditrelay record: ${outcome.message}`);
    }
    return outcome.ok;
  }

  /** Writes one heartbeat (on the interval, as the probe and closing record of a recovery, and at stop). */
  async #beat(stop = false): Promise<void> {
    const seq = ++this.#counters.heartbeatSeq;
    const interval = this.#runtime.config.daemon.heartbeat_interval;
    const ok = await this.#emitInternal(heartbeatRecord(seq, interval, stop));
    this.#counters.lastHeartbeatAt = new Date(this.#now()).toISOString();
    this.#counters.lastHeartbeatOk = ok;
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeat);
    const interval = this.#runtime.config.daemon.heartbeat_interval;
    if (interval === 0) return;
    void this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat(), interval);
  }

  #stopTimers(): void {
    clearInterval(this.#heartbeat);
    clearInterval(this.#statusTimer);
    this.#deps.notifier.stopWatchdog();
  }

  /** Stops accepting at once; the server's own close completes when the drained connections are gone. */
  #closeServer(): void {
    this.#server?.close();
  }
}

function paceOf(config: Config): Pace {
  return { rate: config.daemon.max_rate, burst: config.daemon.max_burst };
}
