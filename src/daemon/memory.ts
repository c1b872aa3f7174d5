/** What `status` reports of the daemon's own memory. */

/** The daemon's memory in MiB (one decimal): RSS and the main thread's V8 heap. */
export function memoryMiB(): { rss: number; heap_used: number; heap_total: number; external: number } {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
  return {
    rss: mib(m.rss),
    heap_used: mib(m.heapUsed),
    heap_total: mib(m.heapTotal),
    external: mib(m.external),
  };
}
