/**
 * Paths under an alternative root (`--root DIR`: an image being built, a device's filesystem mounted
 * elsewhere). A symlink inside such a tree means what the image's own root makes of it; followed here, an
 * absolute one leaves the tree (`<root>/etc/audit -> /elsewhere` would write the build machine's
 * /elsewhere) and `..` climbs out of it. So every component below the root must be a real directory (or
 * not exist yet), the file itself no symlink, and the relative path free of `..`. Under root `/` there is
 * nothing to leave: links are followed as the system follows them.
 *
 * @relation(AR-REQ-024)
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { AuditRelayError } from './errors/error.js';

/**
 * `devicePath` (as the device names it, e.g. `/etc/audit/auditd.conf`) under `root`, checked as above.
 * `lastMayBeLink`: the path itself may be a symlink, because it is only removed or replaced, never
 * followed (the command's own link).
 */
export function underRoot(root: string, devicePath: string, lastMayBeLink = false): string {
  const relative = normalize(devicePath.replace(/^\/+/, ''));
  if (relative === '..' || relative.startsWith('../') || isAbsolute(relative) || devicePath.includes('\0'))
    throw new AuditRelayError('ROOT_PATH_OUTSIDE', `"${devicePath}" leaves the root ${root}`);
  const path = join(root, relative);
  if (resolve(root) === '/') return path;
  let at = resolve(root);
  const parts = relative.split('/').filter((p) => p !== '' && p !== '.');
  if (lastMayBeLink) parts.pop();
  for (const part of parts) {
    at = join(at, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(at).isSymbolicLink();
    } catch {
      return path; // absent from here on: what is created under it is created as directories
    }
    if (isLink)
      throw new AuditRelayError(
        'ROOT_PATH_SYMLINK',
        `${at} is a symbolic link: under --root ${root} it could lead out of the root, so it is not followed`,
      );
  }
  return path;
}
