/**
 * sd_notify() and sd_watchdog_enabled() from libsystemd.so.0 (Node has no AF_UNIX datagrams). Both are
 * harmless outside systemd: without NOTIFY_SOCKET sd_notify returns 0, without WATCHDOG_USEC (or when
 * WATCHDOG_PID is another process) sd_watchdog_enabled returns 0.
 */
import { lazy, loadLibrary } from './load.js';
import { SyscallError } from './syscall-error.js';

interface Bindings {
  sd_notify: (unsetEnvironment: number, state: string) => number;
  sd_watchdog_enabled: (unsetEnvironment: number, usec: bigint[]) => number;
}

const bindings = lazy((): Bindings => {
  const lib = loadLibrary(['libsystemd.so.0'], 'AUDITRELAY_LIBSYSTEMD');
  return {
    sd_notify: lib.func('int sd_notify(int unset_environment, const char *state)'),
    sd_watchdog_enabled: lib.func('int sd_watchdog_enabled(int unset_environment, _Out_ uint64_t *usec)'),
  };
});

/** Sends `state` (e.g. "READY=1\nSTATUS=…") to the service manager. Returns false when none listens. */
export function sdNotify(state: string): boolean {
  const rc = bindings().sd_notify(0, state);
  if (rc < 0) throw new SyscallError('sd_notify', -rc);
  return rc > 0;
}

/** The watchdog period in microseconds when systemd expects pings from this process, else undefined. */
export function watchdogUsec(): number | undefined {
  const usec: bigint[] = [0n];
  const rc = bindings().sd_watchdog_enabled(0, usec);
  return rc > 0 ? Number(usec[0]) : undefined;
}
