/**
 * The status reply of protocol v1 (`{"request":"status"}`, docs/protocol.md): what the daemon reports of
 * itself, typed once for the daemon that builds it, the client that returns it and `auditrelay status`.
 */
import type { RelayStatus } from '../relay/relay.js';
import type { TapStatus } from '../tap/tap.js';
import type { ProcessHealth } from './forwarding-monitor.js';
import type { RecoveryStatus } from './recovery.js';

/** What the monitor saw of auditd and audisp-remote, and whether the relay carries records. */
export interface ForwardingHealth extends ProcessHealth {
  /** A relay session carries records to the collector now. */
  collectorConnected: boolean;
  /** Since when the collector connection has been lost, or null. */
  downSince: string | null;
  /** Since when auditd has run without audisp-remote, or null. */
  audispRemoteMissingSince: string | null;
}

export interface RetentionStatus {
  readonly records: number;
  readonly bytes: number;
  readonly oldest_at: string | null;
  readonly window_s: number;
  readonly max_bytes: number;
}

/** Present with `[forwarding]` configured; all null without it. */
export interface ForwardingStatus {
  readonly forwarding: Readonly<ForwardingHealth> | null;
  readonly relay: RelayStatus | null;
  readonly tap: TapStatus | null;
  /** Our records, and those of other programs and the kernel. */
  readonly retention: RetentionStatus | null;
  readonly foreign_retention: RetentionStatus | null;
  readonly recovery: Readonly<RecoveryStatus> | null;
}

export interface DaemonStatus extends ForwardingStatus {
  readonly version: string;
  readonly pid: number;
  /** This run's id: every record carries it as ar_run. */
  readonly run: string;
  readonly uptime_s: number;
  readonly connections: number;
  readonly connection_cap: number;
  /** MiB: RSS and the main thread's V8 heap. */
  readonly memory: {
    readonly rss: number;
    readonly heap_used: number;
    readonly heap_total: number;
    readonly external: number;
  };
  readonly queue: { readonly pending: number; readonly limit: number };
  readonly pace: { readonly max_rate: number; readonly max_burst: number };
  readonly kernel: {
    /** The kernel's lost counter (since boot) when this daemon started; null when it could not be read. */
    readonly lost_at_start: number | null;
    readonly fd_open: boolean;
    readonly last_error: string | null;
    readonly last_error_at: string | null;
  };
  readonly counters: {
    readonly accepted: number;
    readonly emitted: number;
    readonly refused_policy: number;
    readonly malformed: number;
    readonly kernel_failures: number;
    readonly connections_accepted: number;
    readonly connections_refused: number;
  };
  readonly heartbeat: {
    readonly interval_s: number;
    readonly seq: number;
    readonly last_at: string | null;
    readonly last_ok: boolean | null;
  };
}
