/**
 * Running arm64 programs on this amd64 machine: qemu-user (Debian 12's qemu-user-static) through
 * binfmt_misc, registered by the shell that runs the command, inside its private mount namespace.
 *
 * binfmt_misc's handlers belong to its mounted instance: with no binfmt_misc mounted on the host, the one
 * mounted here lives only as long as this namespace, and the handler is gone with it, however the command
 * ends. Where the host has binfmt_misc mounted (systemd's automount), the instance is shared: the handler
 * is registered under a name of its own (auditrelay-aarch64-<pid>, the newest handler wins) and removed
 * when the command ends (a killed command's handler is removed by the next run: leftovers.ts). Registered
 * with qemu's own flags (F: the interpreter is opened now, so it runs inside a chroot that has no qemu).
 */
import { existsSync } from 'node:fs';

export const QEMU_BINFMT = '/usr/lib/binfmt.d/qemu-aarch64.conf';
const BINFMT = '/proc/sys/fs/binfmt_misc';

/**
 * The CPU qemu emulates: an i.MX8's Cortex-A53 (qemu's default "max" has features an A53 lacks, so a
 * binary that needs them would pass here and fail on the board).
 */
export const QEMU_CPU = 'cortex-a53';

/** Why arm64 programs cannot run here (a reason to print), or undefined when they can. */
export function whyNoArm64Emulation(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (binfmt_misc, chroot)';
  if (!existsSync(QEMU_BINFMT)) return 'qemu-user-static is not installed (npm test installs it)';
  if (!existsSync(BINFMT.replace('/binfmt_misc', ''))) return 'the kernel has no binfmt_misc';
  return undefined;
}

/**
 * A shell script that runs "$@" with arm64 emulation after `mounts` (shell steps, in this private mount
 * namespace), and removes its handler afterwards; its exit status is the command's.
 */
export function emulatedScript(mounts: readonly string[]): string {
  const name = 'auditrelay-aarch64-$$';
  return [
    ...mounts,
    `{ mountpoint -q ${BINFMT} || mount -t binfmt_misc binfmt_misc ${BINFMT}; }`,
    `sed "s/^:qemu-aarch64:/:${name}:/" ${QEMU_BINFMT} > ${BINFMT}/register`,
    `export QEMU_CPU=${QEMU_CPU}`,
    `{ "$@"; s=$?; echo -1 > ${BINFMT}/${name}; exit $s; }`,
  ].join(' && ');
}

/** The argv that runs `command` with arm64 emulation in a private mount namespace, after `mounts`. */
export function withArm64Emulation(mounts: readonly string[], command: readonly string[]): string[] {
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', emulatedScript(mounts), 'sh', ...command];
}
