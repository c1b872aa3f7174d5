/**
 * Signals only express intent (as systemd's examples do): SIGHUP → reload, SIGTERM/SIGINT → stop. The
 * orchestrator acts on them one at a time, outside the handler. A second stop signal exits at once.
 */
export type Intent = 'reload' | 'stop';

export function onSignals(act: (intent: Intent) => Promise<void> | void, exitNow: () => void): () => void {
  let stopping = false;
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (intent: Intent) => {
    queue = queue.then(() => act(intent));
  };
  const reload = () => {
    if (!stopping) enqueue('reload');
  };
  const stop = () => {
    if (stopping) return exitNow();
    stopping = true;
    enqueue('stop');
  };
  process.on('SIGHUP', reload);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return () => {
    process.off('SIGHUP', reload);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  };
}
