/**
 * The daemon's request for `auditrelay repair`: an empty file next to its socket (its runtime
 * directory, /run/auditrelay), which auditrelay-repair.path watches. The daemon has no privilege to
 * restart auditd; it only asks, and repair checks for itself (repair.ts).
 *
 * @relation(AR-REQ-022)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const REPAIR_REQUEST = 'repair-request';
/**
 * auditd without audisp-remote this long, although records keep coming for it to restart the plugin on:
 * it will not (max_restarts used up). The daemon asks then.
 */
export const REPAIR_AFTER_MS = 15_000;

/** Where the daemon whose socket is `socket` asks. */
export function repairRequestPath(socket: string): string {
  return join(dirname(socket), REPAIR_REQUEST);
}

/** Asks (creates or touches the file); false when it cannot be written. */
export function requestRepair(socket: string): boolean {
  try {
    writeFileSync(repairRequestPath(socket), '', { flag: 'w', mode: 0o644 });
    return true;
  } catch {
    return false;
  }
}
