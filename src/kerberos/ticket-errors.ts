/** MIT Kerberos error messages → stable codes and the fix an integrator should apply. */
import type { KnownCode } from '../errors/codes.js';

interface Names {
  readonly client: string;
  readonly service: string;
}

const RULES: ReadonlyArray<{ match: RegExp; code: KnownCode; fix: (n: Names) => string }> = [
  {
    match: /Cannot contact any KDC|Cannot find KDC|timed out/i,
    code: 'KRB5_KDC_UNREACHABLE',
    fix: () => 'check the kdc entries of [realms] in krb5.conf, and that the KDC runs and is reachable',
  },
  {
    match: /Clock skew too great/i,
    code: 'KRB5_CLOCK_SKEW',
    fix: () => 'synchronise the device clock with the KDC (NTP); Kerberos allows 5 minutes',
  },
  {
    match: /Server .* not found in Kerberos database/i,
    code: 'KRB5_SERVICE_UNKNOWN',
    fix: (n) => `create ${n.service} on the KDC, or correct forwarding.service_principal`,
  },
  {
    match: /Client .* not found in Kerberos database/i,
    code: 'KRB5_CLIENT_UNKNOWN',
    fix: (n) => `create ${n.client} on the KDC and export its key to the keytab`,
  },
  {
    match: /Preauthentication failed|Decrypt integrity check failed|wrong key|Key version/i,
    code: 'KEYTAB_KEY_MISMATCH',
    fix: (n) => `the keytab's key for ${n.client} is stale: export it again (ktadd)`,
  },
  {
    match: /no suitable keys|No key table entry found|keytab/i,
    code: 'KEYTAB_PRINCIPAL_MISSING',
    fix: (n) => `export ${n.client} to the keytab`,
  },
  {
    match: /Cannot resolve|Name or service not known|realm/i,
    code: 'KRB5_REALM_UNKNOWN',
    fix: () => 'map the collector host to the realm in [domain_realm] of krb5.conf',
  },
];

export function classifyTicketError(message: string, names: Names): { code: KnownCode; fix: string } {
  const rule = RULES.find((r) => r.match.test(message));
  return rule === undefined
    ? {
        code: 'KRB5_TICKET_FAILED',
        fix: 'see the message; run with KRB5_TRACE=/dev/stderr kinit -k for details',
      }
    : { code: rule.code, fix: rule.fix(names) };
}
