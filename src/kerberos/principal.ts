/**
 * audisp-remote 3.0.9's naming rules (platform-facts, audit source): the client is
 * `<krb5_client_name>/<gethostname()>@<default_realm>` — the raw host name, not the FQDN — and the
 * service is `krb5_principal` with its first `/` turned into `@`, imported as a GSS host-based name.
 */
import { hostname } from 'node:os';

/** What the Kerberos side needs of the forwarding settings (forwarding's config satisfies it). */
export interface KerberosSettings {
  readonly transport: 'krb5' | 'tcp';
  readonly collector: string;
  readonly service_principal?: string | undefined;
  readonly client_name: string;
  readonly keytab: string;
  readonly krb5_config: string;
}

/** The collector's service principal: configured, or auditd/<collector>. */
export function servicePrincipal(k: Pick<KerberosSettings, 'collector' | 'service_principal'>): string {
  return k.service_principal ?? `auditd/${k.collector}`;
}

export function clientPrincipal(clientName: string, realm: string, host: string = hostname()): string {
  return `${clientName}/${host}@${realm}`;
}

/** `auditd/collector.example.com` → `auditd@collector.example.com` (GSS_C_NT_HOSTBASED_SERVICE). */
export function hostBasedService(servicePrincipal: string): string {
  return servicePrincipal.replace('/', '@');
}

/** The principal the KDC knows the service by, in `realm`. */
export function serviceInRealm(servicePrincipal: string, realm: string): string {
  return `${servicePrincipal}@${realm}`;
}
