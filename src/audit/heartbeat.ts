/**
 * The heartbeat: a TRUSTED_APP record every interval with its own count (hb_seq; like every record it
 * also carries ar_run/ar_seq), so the collector sees the device is alive and when it went quiet; it also
 * makes audisp-remote reconnect on a quiet device (it reconnects only when a record arrives —
 * platform-facts).
 *
 * @relation(AR-REQ-007)
 */
import { encodeField } from './encoding.js';
import type { EmitRecord } from './record.js';

export const HEARTBEAT_TYPE = 1121; // AUDIT_TRUSTED_APP
export const HEARTBEAT_OP = 'auditrelay-heartbeat';

/**
 * One heartbeat; `stop` marks the last one of a run, written on a clean stop (`hb_stop="1"`), so verify
 * can tell a run that ended from one whose tail was lost.
 */
export function heartbeatRecord(seq: number, intervalMs: number, stop = false): EmitRecord {
  const message = [
    `op=${HEARTBEAT_OP}`,
    encodeField('hb_seq', Buffer.from(String(seq))),
    encodeField('hb_interval_s', Buffer.from(String(Math.round(intervalMs / 1000)))),
    ...(stop ? [encodeField('hb_stop', Buffer.from('1'))] : []),
  ].join(' ');
  return { kind: 'user', type: HEARTBEAT_TYPE, message, addr: null, success: true };
}
