/**
 * A record of another program or of the kernel, written again by us after forwarding lost it: the kernel
 * stamps whatever we write as ours (our pid, our serial), so the original travels inside one of our
 * records — its type and its whole text (`audit(<time>:<serial>): …`, byte for byte, in hex) — and
 * `auditrelay restore` on the collector turns it back into the record as the kernel first wrote it. A text
 * too long for one record is cut into parts numbered `ar_wpart=i/n`, all carrying the same `ar_wid`.
 *
 * @relation(AR-REQ-020)
 */

import type { EmitRecord } from './record.js';
import type { ForeignRecord } from './retention.js';

export const WRAP_TYPE = 1121; // AUDIT_TRUSTED_APP, as the heartbeat
export const WRAP_OP = 'auditrelay-wrap';
/** Original bytes per part: 3,600 hex characters, well inside the record limits on every path. */
export const WRAP_PART_BYTES = 1800;

/** The records that carry `foreign`; `id` tells its parts from another's (the daemon's read position). */
export function wrapRecords(foreign: ForeignRecord, id: number): EmitRecord[] {
  const bytes = Buffer.from(foreign.text, 'latin1');
  const parts = Math.max(1, Math.ceil(bytes.length / WRAP_PART_BYTES));
  const out: EmitRecord[] = [];
  for (let i = 0; i < parts; i++) {
    const chunk = bytes.subarray(i * WRAP_PART_BYTES, (i + 1) * WRAP_PART_BYTES);
    const message = [
      `op=${WRAP_OP}`,
      `ar_wtype=${foreign.type}`,
      `ar_wid=${id}`,
      `ar_wpart=${i + 1}/${parts}`,
      `ar_wmsg=${chunk.toString('hex').toUpperCase()}`,
    ].join(' ');
    out.push({ kind: 'user', type: WRAP_TYPE, message, addr: null, success: true, wrapper: true });
  }
  return out;
}
