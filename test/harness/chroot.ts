/**
 * Running a program of another release's root on the host kernel: shell steps for withPrivateMounts that
 * give the root the host's /dev (including a captured /dev/log, when one is mounted first) and /proc, a
 * private /tmp and /opt, and bind host paths into it; the command then runs through chroot. The cached
 * root itself never changes: every mount lives in the private namespace. Not a PID namespace: the
 * kernel's audit refuses daemons in one.
 */

/** A host path made visible inside the root, at `inRoot` (a path under /tmp or /opt, or one that exists there). */
export interface Bind {
  readonly host: string;
  readonly inRoot: string;
  /** Whether it is a directory (the mount point made for it is one). */
  readonly dir: boolean;
}

export function chrootSteps(root: string, binds: readonly Bind[]): string[] {
  const steps = [
    `mount --rbind /dev '${root}/dev'`,
    `mount -t proc proc '${root}/proc'`,
    `mount -t tmpfs -o mode=1777 tmpfs '${root}/tmp'`,
    `mount -t tmpfs -o mode=0755 tmpfs '${root}/opt'`,
  ];
  for (const bind of binds) {
    const target = `${root}${bind.inRoot}`;
    const make = bind.dir ? `mkdir -p '${target}'` : `mkdir -p "$(dirname '${target}')" && touch '${target}'`;
    const fresh = bind.inRoot.startsWith('/tmp/') || bind.inRoot.startsWith('/opt/');
    steps.push(`${fresh ? `${make} && ` : ''}mount --bind '${bind.host}' '${target}'`);
  }
  return steps;
}
