/**
 * Another device, as the collector sees it: a real audisp-remote with its own principal
 * (`auditd/<hostname>`, the client name it derives from gethostname — platform-facts), its own keytab,
 * fed record lines on stdin as auditd feeds its plugins, connecting straight to the collector. It runs in
 * private mount and UTS namespaces: our audisp-remote.conf, keytab and krb5.conf bound over the compiled-in
 * paths, the hostname set there; the real /etc and the machine's name are untouched. Used to write records
 * under another device's node= (verify-identity) and for a fleet of devices.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, stopChild } from './exec.js';
import type { Kdc } from './kdc.js';
import { syslogCapture } from './syslog.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface RemoteSender {
  /** `auditd/<hostname>@<realm>`, as the collector appends it. */
  readonly principal: string;
  readonly child: ChildProcess;
  /** Writes record lines to audisp-remote's stdin. */
  send(lines: readonly string[]): void;
  /** What audisp-remote sent to syslog. */
  syslog(): string[];
  /** Closes its stdin (it sends what it holds, then exits) and removes its files. */
  stop(): Promise<void>;
}

export interface SenderOptions {
  readonly kdc: Kdc;
  readonly realm: string;
  /** A keytab already holding `auditd/<hostname>` (a fleet's, made in one kadmin run); else one is made. */
  readonly keytab?: string;
  /** Capture its syslog (a python listener per sender: off for a fleet). Default on. */
  readonly syslog?: boolean;
  /** Its hostname, so its principal: letters, digits and dashes. */
  readonly hostname: string;
  /** A device's audisp-remote.conf (e.g. the lab's), pointed here at `collector`. */
  readonly conf: string;
  readonly collector: { readonly host: string; readonly port: number };
  /** Its source port (`local_port`): below 1024, as the collector's tcp_client_ports admits; none: any. */
  readonly localPort?: number;
}

export async function startRemoteSender(options: SenderOptions): Promise<RemoteSender> {
  if (!/^[a-z0-9-]{1,63}$/.test(options.hostname)) throw new Error(`bad hostname ${options.hostname}`);
  const dir = makeTempDir('auditrelay-sender-');
  try {
    const etc = join(dir, 'audit');
    mkdirSync(etc, { mode: 0o750 });
    const conf = options.conf
      .replace(/^remote_server = .*$/m, `remote_server = ${options.collector.host}`)
      .replace(/^port = .*$/m, `port = ${options.collector.port}`)
      .replace(/^krb5_key_file = .*$/m, 'krb5_key_file = /etc/audit/audisp-remote.key')
      .concat(options.localPort === undefined ? '' : `local_port = ${options.localPort}\n`);
    writeFileSync(join(etc, 'audisp-remote.conf'), conf, { mode: 0o600 });
    const name = `auditd/${options.hostname}`;
    if (options.keytab === undefined) {
      await options.kdc.addPrincipal(name);
      await options.kdc.exportKeytab(join(etc, 'audisp-remote.key'), [name]);
    } else copyFileSync(options.keytab, join(etc, 'audisp-remote.key'));
    const syslog = options.syslog === false ? undefined : syslogCapture(join(dir, 'syslog'));
    const script = [
      ...(syslog?.mounts ?? []),
      `mount --bind ${etc} /etc/audit`,
      `mount --bind ${options.kdc.krb5Conf} /etc/krb5.conf`,
      `hostname ${options.hostname}`,
      'exec "$@"',
    ].join(' && ');
    const child = spawn(
      'unshare',
      ['-m', '-u', '--propagation', 'private', 'sh', '-c', script, 'sh', 'audisp-remote'],
      { stdio: ['pipe', 'ignore', 'pipe'], env: {} },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin?.on('error', () => undefined);
    return {
      principal: `${name}@${options.realm}`,
      child,
      send: (lines) => {
        if (child.exitCode !== null) throw new Error(`audisp-remote exited (${child.exitCode}): ${stderr}`);
        child.stdin?.write(lines.map((l) => `${l}\n`).join(''));
      },
      syslog: () => syslog?.lines() ?? [],
      stop: async () => {
        // On EOF of a pipe it sends what it holds and exits; SIGTERM if it has not within 5 s.
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end();
        if (child.exitCode === null && child.signalCode === null)
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        await stopChild(child, 'SIGTERM', 10_000);
        removeTempDir(dir);
      },
    };
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}

/** A port of 1000-1023 no TCP socket here uses (the relay picks its own from 512-1023). */
export async function freePrivilegedPort(): Promise<number> {
  const { stdout } = await run('ss', ['-tanH']);
  const used = new Set(
    stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[3] ?? '')
      .map((local) => Number(local.slice(local.lastIndexOf(':') + 1))),
  );
  for (let port = 1000; port < 1024; port++) if (!used.has(port)) return port;
  throw new Error('no free port in 1000-1023');
}

/** The lab device's audisp-remote.conf, to derive a sender's from. */
export function deviceConf(path: string): string {
  return readFileSync(path, 'utf8');
}
