/**
 * The Debian releases auditrelay targets, for tests that run on each: the stock /etc/audit files captured
 * from its packages (test/fixtures/<name>/), the audit it installs, and where its root is on this machine
 * (the host is Debian 12; Debian 13 is the cached root of debian13-root.ts).
 */
import { debian13Root, whyNoDebian13Root } from './debian13-root.js';
import { REPO_ROOT } from './exec.js';
import { trixieModules } from './trixie-modules.js';

export interface Release {
  /** Fixture and golden directory name. */
  readonly name: string;
  /** Named in test titles. */
  readonly title: string;
  /** The upstream audit version its auditd package installs. */
  readonly auditVersion: string;
  /** Its root on this machine ('/' for the host); made on first use. */
  root(): string;
  /** Why its root cannot be had here (a reason to print), or undefined. */
  unavailable(): string | undefined;
  /** The program's node_modules built with its Node; undefined for the host (the checkout's own). */
  nodeModules(): string | undefined;
}

export const DEBIAN_12: Release = {
  name: 'debian-12-audit-3.0.9',
  title: 'Debian 12',
  auditVersion: '3.0.9',
  root: () => '/',
  unavailable: () => undefined,
  nodeModules: () => undefined,
};

export const DEBIAN_13: Release = {
  name: 'debian-13-audit-4.0.2',
  title: 'Debian 13',
  auditVersion: '4.0.2',
  root: debian13Root,
  unavailable: whyNoDebian13Root,
  nodeModules: () => trixieModules(REPO_ROOT),
};

export const RELEASES: readonly Release[] = [DEBIAN_12, DEBIAN_13];
