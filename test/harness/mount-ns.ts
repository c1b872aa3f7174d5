/**
 * The lab's one trick for never touching the real /etc or /run: run a command in a private mount namespace
 * after some mounts (bind mounts over compiled-in paths, a tmpfs /run). Returns the argv to spawn; the
 * command itself is passed through "$@", so it needs no shell quoting.
 */
export function withPrivateMounts(mounts: readonly string[], command: readonly string[]): string[] {
  const script = mounts.length === 0 ? 'exec "$@"' : `${mounts.join(' && ')} && exec "$@"`;
  return privateMountShell(script, ['sh', ...command]);
}

/** The argv that runs a shell `script` (its $0, $1 … from `args`) in a private mount namespace. */
export function privateMountShell(script: string, args: readonly string[]): string[] {
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, ...args];
}
