/**
 * The whole pipeline in throwaway parts, shared by the end-to-end tests, the demo and the benchmarks:
 * MIT KDC on loopback → collector auditd (KRB5 or TCP) in its own network namespace → device auditd
 * configured by `auditrelay apply --root` in a private mount namespace → `auditrelay run`.
 * `stop()` takes everything down by PID, restores kernel audit state and removes the namespace.
 */
import { copyFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../../src/duration.js';
import { type AuditRoot, makeAuditRoot } from './audit-root.js';
import { COLLECTOR_PORT, type Collector, makeCollector } from './collector.js';
import { configFor, type RunningDaemon, startDaemon } from './daemon.js';
import { type DeviceAuditd, startDeviceAuditd } from './device-auditd.js';
import { COLLECTOR_NAME, type Kdc, startKdc } from './kdc.js';
import { withPrivateMounts } from './mount-ns.js';
import { createNetNs, type NetNs } from './netns.js';
import { DEBIAN_12, type Release } from './releases.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface LabOptions {
  readonly transport?: 'krb5' | 'tcp';
  readonly heartbeat?: string;
  /** Progress lines (the demo prints them). */
  readonly progress?: (line: string) => void;
  /** The device's release: its auditd, audisp-remote and Node run the device side (default Debian 12). */
  readonly release?: Release;
  /** More `[auditd]` keys for apply and the daemon (e.g. `max_restarts = 2`). */
  readonly auditd?: readonly string[];
  /** More `[daemon]` keys. */
  readonly daemon?: readonly string[];
  /** Where the daemon's relay connects instead of the collector (a proxy in front of it, for the bench). */
  readonly relayTo?: (collector: { host: string; port: number }) => Promise<{ host: string; port: number }>;
}

export interface Lab {
  readonly kdc: Kdc;
  readonly ns: NetNs;
  readonly collector: Collector;
  readonly root: AuditRoot;
  /** The device auditd now running (restartDeviceAuditd replaces it). */
  readonly device: DeviceAuditd;
  readonly daemon: RunningDaemon;
  readonly transport: 'krb5' | 'tcp';
  readonly release: Release;
  /** The relay's port (audisp-remote connects to 127.0.0.1 there). */
  readonly relayPort: number;
  /** Stops the device auditd and starts a new one (after `gapMs`), as `systemctl restart auditd` does. */
  restartDeviceAuditd(gapMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const DEVICE_TYPES = [
  'USER_LOGIN',
  'USER_LOGOUT',
  'USER_AUTH',
  'USYS_CONFIG',
  'ADD_USER',
  'TRUSTED_APP',
  'SOFTWARE_UPDATE',
];

/**
 * The relay's port for a lab: below 1024 as on a device (the tests run as root), one per test process so
 * a leftover of another run cannot hold it.
 */
export function labRelayPort(pid = process.pid): number {
  return 700 + (pid % 250);
}

/** `[forwarding]` and `[auditd]`, for apply and the daemon alike. */
function forwardingToml(
  collectorIp: string,
  transport: 'krb5' | 'tcp',
  auditd: readonly string[],
  port = COLLECTOR_PORT,
): string {
  return [
    '[forwarding]',
    `collector = "${collectorIp}"`,
    `port = ${port}`,
    `relay_port = ${labRelayPort()}`,
    `transport = "${transport}"`,
    `allow_plaintext = ${transport === 'tcp'}`,
    `service_principal = "auditd/${COLLECTOR_NAME}"`,
    '[auditd]',
    'name_format = "hostname"',
    ...auditd,
    '',
  ].join('\n');
}

/** The last lines both auditds sent to syslog (drops, reconnects, crashes): what a failed wait should print. */
export function labSyslog(lab: Lab, lines = 15): string {
  const quiet = /Init complete|out of memory score/;
  const tail = (all: string[]) =>
    all
      .filter((l) => !quiet.test(l))
      .slice(-lines)
      .join('\n');
  return `device syslog:\n${tail(lab.device.syslog())}\ncollector syslog:\n${tail(lab.collector.syslog())}`;
}

/** Runs the steps in order; if one fails, the ones that succeeded are undone in reverse. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const transport = options.transport ?? 'krb5';
  const release = options.release ?? DEBIAN_12;
  const deviceRoot = release.root();
  const say = options.progress ?? (() => undefined);
  const undo: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`lab teardown: ${String(error)}\n`);
      }
    }
  };
  try {
    say('starting a throwaway MIT KDC on 127.0.0.1 (realm AUDIT.TEST)');
    const kdc = await startKdc();
    undo.push(() => kdc.stop());
    const device = `auditd/${hostname()}`;
    await kdc.addPrincipal(`auditd/${COLLECTOR_NAME}`);
    await kdc.addPrincipal(device);
    const work = makeTempDir('auditrelay-lab-');
    undo.push(() => removeTempDir(work));
    await kdc.exportKeytab(join(work, 'collector.key'), [`auditd/${COLLECTOR_NAME}`]);

    say('creating the collector network namespace (veth, 10.200.N.0/24, unreachable route as a guard)');
    const ns = await createNetNs();
    undo.push(() => ns.remove());
    const heartbeat = options.heartbeat ?? '60s';
    const collector = makeCollector(
      ns,
      join(work, 'collector'),
      transport === 'krb5' ? 'KRB5' : 'TCP',
      join(work, 'collector.key'),
      kdc.krb5Conf,
      parseDuration(heartbeat) ?? 60_000,
    );
    say(
      `starting the collector auditd in the namespace (${transport.toUpperCase()}, port ${COLLECTOR_PORT})`,
    );
    await collector.start();
    undo.push(() => collector.stop());

    const daemonToml = configFor(
      [0],
      DEVICE_TYPES,
      [`heartbeat_interval = "${heartbeat}"`, ...(options.daemon ?? [])].join('\n'),
    );
    const auditd = options.auditd ?? [];
    const root = makeAuditRoot(forwardingToml(ns.nsIp, transport, auditd), release.name, deviceRoot);
    undo.push(() => root.remove());
    copyFileSync(kdc.krb5Conf, root.path('etc/krb5.conf'));
    await kdc.exportKeytab(root.path('etc/audit/audisp-remote.key'), [device]);
    say(
      'auditrelay apply --root (renders audisp-remote.conf, au-remote.conf, auditd.conf; Kerberos preflight)',
    );
    const applied = await root.apply(['--no-restart']);
    if (applied.code !== 0)
      throw new Error(`apply failed (${applied.code}): ${applied.stdout}${applied.stderr}`);

    say('starting auditrelay run');
    const nodeModules = release.nodeModules();
    // The daemon asks the KDC with the krb5.conf audisp-remote reads: the lab's, over /etc/krb5.conf in
    // its private mount namespace (as the device auditd gets it); the real /etc is untouched.
    const krb5Conf = root.path('etc/krb5.conf');
    const direct = { host: ns.nsIp, port: COLLECTOR_PORT };
    const to = (await options.relayTo?.(direct)) ?? direct;
    const daemon = await startDaemon({
      config: `${daemonToml}\n${forwardingToml(to.host, transport, auditd, to.port)}`,
      ...(nodeModules === undefined
        ? { wrapper: withPrivateMounts([`mount --bind ${krb5Conf} /etc/krb5.conf`], []) }
        : {
            device: {
              root: deviceRoot,
              nodeModules,
              binds: [{ host: krb5Conf, inRoot: '/etc/krb5.conf', dir: false }],
            },
          }),
    });
    undo.push(async () => {
      await daemon.stop();
    });
    // The daemon first: its relay must listen before audisp-remote connects (on a device,
    // auditrelay-relay.socket is ordered before auditd.service).
    say('starting the device auditd with those files (private mount namespace; the real /etc is untouched)');
    let deviceAuditd = await startDeviceAuditd(root.root, undefined, deviceRoot);
    undo.push(() => deviceAuditd.stop());

    return {
      kdc,
      ns,
      collector,
      root,
      get device() {
        return deviceAuditd;
      },
      daemon,
      transport,
      release,
      relayPort: labRelayPort(),
      restartDeviceAuditd: async (gapMs = 0) => {
        await deviceAuditd.kill();
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        deviceAuditd = await startDeviceAuditd(root.root, deviceAuditd.kernelBefore, deviceRoot);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
