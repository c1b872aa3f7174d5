/**
 * The heartbeat: a TRUSTED_APP record every interval with a run id and a sequence number, so the collector
 * sees the device is alive and can detect gaps; it also makes audisp-remote reconnect on a quiet device
 * (it reconnects only when a record arrives — platform-facts).
 *
 * @relation(AR-REQ-007)
 */
import { randomBytes } from 'node:crypto';
import { encodeField } from './encoding.js';
import type { EmitRecord } from './record.js';

export const HEARTBEAT_TYPE = 1121; // AUDIT_TRUSTED_APP
export const HEARTBEAT_OP = 'auditrelay-heartbeat';

/** A new run id: tells two daemon runs apart when sequence numbers restart. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

export function heartbeatRecord(runId: string, seq: number, intervalMs: number): EmitRecord {
  const message = [
    `op=${HEARTBEAT_OP}`,
    encodeField('hb_run', Buffer.from(runId)),
    encodeField('hb_seq', Buffer.from(String(seq))),
    encodeField('hb_interval_s', Buffer.from(String(Math.round(intervalMs / 1000)))),
  ].join(' ');
  return { kind: 'user', type: HEARTBEAT_TYPE, message, addr: null, success: true };
}
