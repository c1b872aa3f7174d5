/**
 * Who a record at the collector is from. A device is the Kerberos principal the collector authenticated
 * (line-principals.ts); `node=` is only the name the device gave itself, shown as a label and checked
 * against the principal's host. A record without a principal (a TCP collector, the collector's own) is
 * known by its node= and marked unauthenticated: it never counts for a principal's device.
 *
 * @relation(AR-REQ-025)
 */

export interface Sender {
  /** The collector's `krb5=` of the record's line, or null. */
  readonly principal: string | null;
  /** The `node=` the sending device wrote. */
  readonly node: string | null;
}

/** The key a device is accounted under: its principal, or its node= marked unauthenticated. */
export function deviceOf(sender: Sender): string {
  // A principal has no space (line-principals.ts): the two kinds of key cannot meet.
  return sender.principal ?? `${sender.node ?? '(no node name)'} (unauthenticated)`;
}

/** `auditd/press-07.plant.example@PLANT` → `press-07.plant.example`; null without a host part. */
export function hostOf(principal: string): string | null {
  const m = /^[^/@]+\/([^/@]+)@/.exec(principal);
  return m?.[1] ?? null;
}

/**
 * Whether `node` names the principal's host: the same name, or one is the other's first label
 * (name_format = hostname against a principal by fully qualified name). Without a host part, or without
 * a node, there is nothing to disagree with.
 */
export function nodeAgrees(sender: Sender): boolean {
  if (sender.principal === null || sender.node === null) return true;
  const host = hostOf(sender.principal)?.toLowerCase();
  if (host === undefined) return true;
  const node = sender.node.toLowerCase();
  return node === host || node === host.split('.')[0] || host === node.split('.')[0];
}
