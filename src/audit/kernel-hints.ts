/** What an integrator should do about a kernel refusal, keyed by errno name (platform-facts). */
const HINTS: Readonly<Record<string, string>> = {
  EPERM: 'the process lacks CAP_AUDIT_WRITE (run the daemon with AmbientCapabilities=CAP_AUDIT_WRITE)',
  ECONNREFUSED: 'kernel audit refuses this namespace (a non-initial user namespace, e.g. PrivateUsers=yes)',
  EPROTONOSUPPORT: 'the kernel has no audit support (CONFIG_AUDIT)',
  EINVAL: 'the kernel rejected the record (type out of range or message too long)',
  EAGAIN: 'the kernel audit backlog is full',
  ENOBUFS: 'the kernel audit backlog is full',
};

/** A one-line hint for an errno name, or undefined when we have nothing useful to add. */
export function kernelHint(code: string): string | undefined {
  return HINTS[code];
}
