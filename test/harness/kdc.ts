/**
 * A throwaway MIT KDC on loopback for one test: realm AUDIT.TEST in a temp dir, `krb5kdc -n` on a free
 * 127.0.0.1 port, principals and keytabs made with kadmin.local. Stopped by its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { run, stopChild, waitFor } from './exec.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export const REALM = 'AUDIT.TEST';
export const COLLECTOR_NAME = 'collector.audit.test';

export interface Kdc {
  readonly dir: string;
  readonly port: number;
  /** A krb5.conf naming this KDC, default realm AUDIT.TEST. */
  readonly krb5Conf: string;
  readonly env: NodeJS.ProcessEnv;
  addPrincipal(name: string): Promise<void>;
  /** Exports the principals' keys to `path` (root-owned, mode 0400 unless given). */
  exportKeytab(path: string, principals: readonly string[], mode?: number): Promise<void>;
  /** Stops the KDC process (the realm stays, for a restart test). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

export function krb5ConfText(kdcPort: number): string {
  return `[libdefaults]
    default_realm = ${REALM}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
[realms]
    ${REALM} = {
        kdc = 127.0.0.1:${kdcPort}
    }
[domain_realm]
    .audit.test = ${REALM}
    audit.test = ${REALM}
`;
}

async function kadmin(env: NodeJS.ProcessEnv, query: string): Promise<void> {
  const result = await run('kadmin.local', ['-q', query], { env });
  if (result.code !== 0 || /error|failed/i.test(result.stderr))
    throw new Error(`kadmin.local ${query}: ${result.stderr}`);
}

export async function startKdc(): Promise<Kdc> {
  const dir = makeTempDir('auditrelay-kdc-');
  const port = await freePort();
  const krb5Conf = join(dir, 'krb5.conf');
  writeFileSync(krb5Conf, krb5ConfText(port));
  writeFileSync(
    join(dir, 'kdc.conf'),
    `[kdcdefaults]\n    kdc_listen = 127.0.0.1:${port}\n    kdc_tcp_listen = 127.0.0.1:${port}\n[realms]\n    ${REALM} = {\n        database_name = ${dir}/principal\n        key_stash_file = ${dir}/stash\n        acl_file = ${dir}/kadm5.acl\n    }\n[logging]\n    kdc = FILE:${dir}/kdc.log\n`,
  );
  writeFileSync(join(dir, 'kadm5.acl'), '');
  const env = { ...process.env, KRB5_CONFIG: krb5Conf, KRB5_KDC_PROFILE: join(dir, 'kdc.conf') };
  const created = await run('kdb5_util', ['create', '-s', '-r', REALM, '-P', 'throwaway-master-key'], {
    env,
  });
  if (created.code !== 0) throw new Error(`kdb5_util create: ${created.stderr}`);
  let child: ChildProcess | undefined;
  const kdc: Kdc = {
    dir,
    port,
    krb5Conf,
    env,
    addPrincipal: (name) => kadmin(env, `addprinc -randkey ${name}`),
    exportKeytab: async (path, principals, mode = 0o400) => {
      mkdirSync(dirname(path), { recursive: true });
      rmSync(path, { force: true });
      await kadmin(env, `ktadd -k ${path} ${principals.join(' ')}`);
      chownSync(path, 0, 0);
      chmodSync(path, mode);
    },
    startServer: async () => {
      child = spawn('krb5kdc', ['-n'], { env, stdio: 'ignore' });
      await waitFor(
        () =>
          new Promise<boolean | undefined>((resolve) => {
            const socket = tcpConnect(port, '127.0.0.1');
            socket.once('connect', () => {
              socket.destroy();
              resolve(true);
            });
            socket.once('error', () => resolve(undefined));
          }),
        10_000,
        'the KDC to listen',
      );
    },
    stopServer: async () => {
      if (child !== undefined) await stopChild(child);
      child = undefined;
    },
    stop: async () => {
      await kdc.stopServer();
      removeTempDir(dir);
    },
  };
  await kdc.startServer();
  return kdc;
}
