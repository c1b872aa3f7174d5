/**
 * The whole pipeline in throwaway parts, shared by the end-to-end tests, the demo and the benchmarks:
 * MIT KDC on loopback → collector auditd (KRB5 or TCP) in its own network namespace → device auditd
 * configured by `auditrelay apply --root` in a private mount namespace → `auditrelay run`.
 * `stop()` takes everything down by PID, restores kernel audit state and removes the namespace.
 */
import { copyFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type AuditRoot, makeAuditRoot } from './audit-root.js';
import { COLLECTOR_PORT, type Collector, makeCollector } from './collector.js';
import { configFor, type RunningDaemon, startDaemon } from './daemon.js';
import { type DeviceAuditd, startDeviceAuditd } from './device-auditd.js';
import { COLLECTOR_NAME, type Kdc, startKdc } from './kdc.js';
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
  /** Stops the device auditd and starts a new one, as `systemctl restart auditd` does. */
  restartDeviceAuditd(): Promise<void>;
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

function forwardingToml(collectorIp: string, transport: 'krb5' | 'tcp'): string {
  return [
    '[forwarding]',
    `collector = "${collectorIp}"`,
    `port = ${COLLECTOR_PORT}`,
    `transport = "${transport}"`,
    `allow_plaintext = ${transport === 'tcp'}`,
    `service_principal = "auditd/${COLLECTOR_NAME}"`,
    '[auditd]',
    'name_format = "hostname"',
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
    const collector = makeCollector(
      ns,
      join(work, 'collector'),
      transport === 'krb5' ? 'KRB5' : 'TCP',
      join(work, 'collector.key'),
      kdc.krb5Conf,
    );
    say(
      `starting the collector auditd in the namespace (${transport.toUpperCase()}, port ${COLLECTOR_PORT})`,
    );
    await collector.start();
    undo.push(() => collector.stop());

    const daemonToml = configFor([0], DEVICE_TYPES, `heartbeat_interval = "${options.heartbeat ?? '60s'}"`);
    const root = makeAuditRoot(forwardingToml(ns.nsIp, transport), release.name, deviceRoot);
    undo.push(() => root.remove());
    copyFileSync(kdc.krb5Conf, root.path('etc/krb5.conf'));
    await kdc.exportKeytab(root.path('etc/audit/audisp-remote.key'), [device]);
    say(
      'auditrelay apply --root (renders audisp-remote.conf, au-remote.conf, auditd.conf; Kerberos preflight)',
    );
    const applied = await root.apply(['--no-restart']);
    if (applied.code !== 0)
      throw new Error(`apply failed (${applied.code}): ${applied.stdout}${applied.stderr}`);

    say('starting the device auditd with those files (private mount namespace; the real /etc is untouched)');
    let deviceAuditd = await startDeviceAuditd(root.root, undefined, deviceRoot);
    undo.push(() => deviceAuditd.stop());

    say('starting auditrelay run');
    const nodeModules = release.nodeModules();
    const daemon = await startDaemon({
      config: `${daemonToml}\n${forwardingToml(ns.nsIp, transport)}`,
      ...(nodeModules === undefined ? {} : { device: { root: deviceRoot, nodeModules } }),
    });
    undo.push(async () => {
      await daemon.stop();
    });
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
      restartDeviceAuditd: async () => {
        await deviceAuditd.kill();
        deviceAuditd = await startDeviceAuditd(root.root, deviceAuditd.kernelBefore, deviceRoot);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
