/**
 * `auditrelay preflight`: everything audisp-remote will need from Kerberos, checked before a record
 * depends on it, each with a verdict, a stable code and the fix. The last check really obtains a service
 * ticket for the collector from the KDC with the client keytab (in a MEMORY cache, in a child process).
 *
 * @relation(AR-REQ-009)
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { isKnownCode, type KnownCode } from '../errors/codes.js';
import { AuditRelayError } from '../errors/error.js';
import { type KeytabFile, readKeytab } from './keytab.js';
import { readDefaultRealm } from './krb5-conf.js';
import {
  clientPrincipal,
  hostBasedService,
  type KerberosSettings,
  serviceInRealm,
  servicePrincipal,
} from './principal.js';
import { classifyTicketError } from './ticket-errors.js';

export type Verdict = 'pass' | 'fail' | 'skip';

export interface Check {
  readonly id: string;
  readonly verdict: Verdict;
  readonly message: string;
  /** Stable code of a failure (KEYTAB_MODE, KRB5_KDC_UNREACHABLE, …). */
  readonly code?: KnownCode;
  readonly fix?: string;
}

export interface PreflightReport {
  readonly ok: boolean;
  readonly client: string | undefined;
  readonly service: string;
  readonly checks: readonly Check[];
}

export interface PreflightOptions {
  readonly root: string;
  readonly host?: string;
  readonly timeoutMs?: number;
}

const PROBE = new URL('./ticket-probe.js', import.meta.url).pathname;
const pass = (id: string, message: string): Check => ({ id, verdict: 'pass', message });
const fail = (id: string, code: KnownCode, message: string, fix: string): Check => ({
  id,
  verdict: 'fail',
  code,
  message,
  fix,
});
const skip = (id: string, message: string): Check => ({ id, verdict: 'skip', message });

function keytabChecks(path: string, client: string | undefined): { checks: Check[]; keytab?: KeytabFile } {
  let keytab: KeytabFile;
  try {
    keytab = readKeytab(path);
  } catch (error) {
    const thrown = error instanceof AuditRelayError ? error.code : undefined;
    const code = thrown !== undefined && isKnownCode(thrown) ? thrown : 'KEYTAB_UNREADABLE';
    const fix = `create it on the KDC (kadmin: ktadd -k ${path} <client principal>), then chown root:root and chmod 0400`;
    return { checks: [fail('keytab', code, (error as Error).message, fix)] };
  }
  const checks: Check[] = [pass('keytab', `keytab ${path} exists`)];
  checks.push(
    keytab.uid === 0 && keytab.regular
      ? pass('keytab-owner', 'owned by root, a regular file')
      : fail(
          'keytab-owner',
          'KEYTAB_OWNER',
          `keytab ${path} is owned by uid ${keytab.uid}`,
          `chown root:root ${path}`,
        ),
    keytab.mode === 0o400
      ? pass('keytab-mode', 'mode 0400')
      : fail(
          'keytab-mode',
          'KEYTAB_MODE',
          `keytab ${path} has mode 0${keytab.mode.toString(8)}; audisp-remote silently refuses anything but 0400`,
          `chmod 0400 ${path}`,
        ),
  );
  if (client === undefined)
    checks.push(skip('keytab-principal', 'no default realm: client principal unknown'));
  else if (keytab.entries.some((e) => e.principal === client))
    checks.push(pass('keytab-principal', `holds ${client}`));
  else {
    const held = [...new Set(keytab.entries.map((e) => e.principal))].join(', ') || 'nothing';
    checks.push(
      fail(
        'keytab-principal',
        'KEYTAB_PRINCIPAL_MISSING',
        `keytab holds ${held}, not ${client} (audisp-remote uses <client_name>/<gethostname()>@<default realm>)`,
        `add ${client} to the KDC and export it to ${path} (kadmin: ktadd -k ${path} ${client})`,
      ),
    );
  }
  return { checks, keytab };
}

interface ProbeResult {
  readonly ok: boolean;
  readonly error?: string;
}

/** The probe's one JSON line; a failed result naming what came instead when it is not that. */
export function probeResult(stdout: string): ProbeResult {
  try {
    const value: unknown = JSON.parse(stdout);
    if (typeof value === 'object' && value !== null && typeof (value as ProbeResult).ok === 'boolean')
      return value as ProbeResult;
  } catch {
    // reported below
  }
  return { ok: false, error: `the ticket probe printed no result: ${JSON.stringify(stdout.slice(0, 200))}` };
}

/** Runs the ticket probe in a child; never throws (this runs in an execFile callback). */
function probe(env: NodeJS.ProcessEnv, service: string, client: string, timeoutMs: number) {
  return new Promise<ProbeResult>((resolve) => {
    execFile(process.execPath, [PROBE, service, client], { env, timeout: timeoutMs }, (error, stdout) => {
      if (error !== null && stdout === '')
        resolve({ ok: false, error: error.killed ? 'timed out' : error.message });
      else resolve(probeResult(stdout));
    });
  });
}

/** Runs every check; never throws for a failed check (the report says it). */
export async function preflight(f: KerberosSettings, options: PreflightOptions): Promise<PreflightReport> {
  const root = options.root.replace(/\/$/, '');
  const service = servicePrincipal(f);
  if (f.transport !== 'krb5') {
    return {
      ok: true,
      client: undefined,
      service,
      checks: [skip('transport', 'transport is tcp: no Kerberos')],
    };
  }
  const krb5conf = `${root}${f.krb5_config}`;
  const realm = readDefaultRealm(krb5conf);
  const checks: Check[] = [
    realm === undefined
      ? fail(
          'realm',
          'KRB5_CONF_NO_REALM',
          `${krb5conf} has no [libdefaults] default_realm`,
          'set default_realm in krb5.conf',
        )
      : pass('realm', `default realm ${realm}`),
  ];
  const client =
    realm === undefined ? undefined : clientPrincipal(f.client_name, realm, options.host ?? hostname());
  const keytabPath = `${root}${f.keytab}`;
  const fromKeytab = keytabChecks(keytabPath, client);
  checks.push(...fromKeytab.checks);
  if (client === undefined || realm === undefined || fromKeytab.keytab === undefined) {
    checks.push(skip('ticket', 'needs a realm and a readable keytab'));
  } else {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KRB5_CONFIG: krb5conf,
      KRB5_CLIENT_KTNAME: keytabPath,
      KRB5CCNAME: 'MEMORY:auditrelay-preflight',
    };
    delete env['KRB5_KTNAME'];
    const result = await probe(env, hostBasedService(service), client, options.timeoutMs ?? 15_000);
    if (result.ok)
      checks.push(pass('ticket', `obtained a ticket for ${serviceInRealm(service, realm)} as ${client}`));
    else {
      const { code, fix } = classifyTicketError(result.error ?? '', {
        client,
        service: serviceInRealm(service, realm),
      });
      checks.push(
        fail('ticket', code, `no ticket for ${serviceInRealm(service, realm)}: ${result.error}`, fix),
      );
    }
  }
  return { ok: checks.every((c) => c.verdict !== 'fail'), client, service, checks };
}
