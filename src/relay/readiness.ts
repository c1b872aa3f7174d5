/**
 * Before the relay lets audisp-remote reconnect, everything its reconnect needs must answer: the
 * collector (a TCP connect) and, with KRB5, the KDC — audisp-remote asks the KDC for a new ticket at every
 * connect, and 3.0.9/4.0.2 crash when that fails, losing their queue. The KDC is asked for initial
 * credentials of our client principal without any key (native/libkrb5.ts askKdc): any answer about that
 * principal will do; "cannot contact any KDC", an unknown principal or realm, or clock skew will not.
 *
 * @relation(AR-REQ-019)
 */
import { askKdc } from '../../native/libkrb5.js';
import { readDefaultRealm } from '../kerberos/krb5-conf.js';
import { clientPrincipal } from '../kerberos/principal.js';
import { type CollectorAddress, collectorAccepts } from './upstream.js';

/** krb5 codes (MIT krb5_err.et / k5-int) after which audisp-remote's reconnect would fail. */
const NOT_READY = new Map<number, string>([
  [-1765328228, 'no KDC answers'], // KRB5_KDC_UNREACH
  [-1765328378, 'the KDC does not know our principal'], // KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN
  [-1765328347, 'our clock is too far from the KDC'], // KRB5KRB_AP_ERR_SKEW
  [-1765328230, 'the realm cannot be resolved'], // KRB5_REALM_CANT_RESOLVE
  [-1765328160, 'the realm is unknown'], // KRB5_REALM_UNKNOWN
]);

export interface Readiness {
  readonly ready: boolean;
  /** What we wait for, when not ready. */
  readonly waitingFor?: 'collector' | 'kdc';
  readonly reason?: string;
}

export type ReadinessCheck = (localPort: number | undefined) => Promise<Readiness>;

export interface ReadinessSettings {
  readonly collector: CollectorAddress;
  /** With KRB5: the krb5.conf audisp-remote reads and its client name; without (TCP): no KDC. */
  readonly kerberos?: { readonly krb5Config: string; readonly clientName: string } | undefined;
}

/** The check the relay runs before releasing audisp-remote. */
export function readinessCheck(settings: ReadinessSettings): ReadinessCheck {
  return async (localPort) => {
    if (!(await collectorAccepts(settings.collector, localPort)))
      return { ready: false, waitingFor: 'collector', reason: 'the collector does not accept connections' };
    const k = settings.kerberos;
    if (k === undefined) return { ready: true };
    const realm = readDefaultRealm(k.krb5Config);
    if (realm === undefined)
      return { ready: false, waitingFor: 'kdc', reason: `no default_realm in ${k.krb5Config}` };
    const answer = await askKdc(clientPrincipal(k.clientName, realm), k.krb5Config);
    const why = NOT_READY.get(answer.code);
    return why === undefined
      ? { ready: true }
      : { ready: false, waitingFor: 'kdc', reason: `${why}: ${answer.message}` };
  };
}
