/**
 * A network namespace of our own for the collector, reached over a veth pair: host 10.200.N.1 ↔ namespace
 * 10.200.N.2. An `unreachable 10.200.0.0/16` route on the host makes sure nothing for that range ever
 * leaves the machine, even after the namespace is gone. Removed completely by `remove()`.
 */
import { run } from './exec.js';

export interface NetNs {
  readonly name: string;
  readonly hostIf: string;
  /** The namespace's end of the veth pair. */
  readonly nsIf: string;
  readonly hostIp: string;
  readonly nsIp: string;
  remove(): Promise<void>;
}

async function must(args: string[]): Promise<void> {
  const result = await run('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
}

export async function createNetNs(): Promise<NetNs> {
  const n = 1 + (process.pid % 250);
  const name = `auditrelay${n}`;
  const hostIf = `arh${n}`;
  const nsIf = `arc${n}`;
  const hostIp = `10.200.${n}.1`;
  const nsIp = `10.200.${n}.2`;
  const addedRoute = (await run('ip', ['route', 'add', 'unreachable', '10.200.0.0/16'])).code === 0;
  const remove = async () => {
    await run('ip', ['netns', 'del', name]);
    await run('ip', ['link', 'del', hostIf]);
    if (addedRoute) await run('ip', ['route', 'del', 'unreachable', '10.200.0.0/16']);
  };
  try {
    await must(['netns', 'add', name]);
    await must(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await must(['link', 'set', nsIf, 'netns', name]);
    await must(['addr', 'add', `${hostIp}/24`, 'dev', hostIf]);
    await must(['link', 'set', hostIf, 'up']);
    await must(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    await must(['netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/24`, 'dev', nsIf]);
    await must(['netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up']);
  } catch (error) {
    await remove();
    throw error;
  }
  return { name, hostIf, nsIf, hostIp, nsIp, remove };
}
