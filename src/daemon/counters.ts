/** What the daemon has done since it started: reported by `status`, STATUS= and the logs. */
export interface Counters {
  /** Valid, permitted events handed to the emitter. */
  accepted: number;
  /** Events the kernel acknowledged. */
  emitted: number;
  refusedPolicy: number;
  malformed: number;
  kernelFailures: number;
  heartbeatSeq: number;
  lastHeartbeatAt: string | undefined;
  lastHeartbeatOk: boolean | undefined;
  lastKernelError: string | undefined;
  lastKernelErrorAt: string | undefined;
}

export function newCounters(): Counters {
  return {
    accepted: 0,
    emitted: 0,
    refusedPolicy: 0,
    malformed: 0,
    kernelFailures: 0,
    heartbeatSeq: 0,
    lastHeartbeatAt: undefined,
    lastHeartbeatOk: undefined,
    lastKernelError: undefined,
    lastKernelErrorAt: undefined,
  };
}

/** The kernel refused a record (an application's or the daemon's own) with `code` at `now` (ms). */
export function countKernelFailure(c: Counters, code: string, now: number): void {
  c.kernelFailures++;
  c.lastKernelError = code;
  c.lastKernelErrorAt = new Date(now).toISOString();
}

/** One line for systemd's STATUS= and the logs. */
export function summary(c: Counters): string {
  const kernel = c.lastKernelError === undefined ? '' : `, last kernel error ${c.lastKernelError}`;
  return `emitted ${c.emitted}, refused ${c.refusedPolicy}, malformed ${c.malformed}, kernel failures ${c.kernelFailures}${kernel}`;
}
