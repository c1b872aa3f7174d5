/**
 * Child-process entry point of the Kerberos ticket check. With KRB5_CONFIG, KRB5_CLIENT_KTNAME and a
 * MEMORY credential cache set by the parent, it does what audisp-remote does at connect: initial
 * credentials from the keytab (krb5_get_init_creds_keytab), then a GSS-API (krb5 mechanism) context for
 * the collector's service, which makes the KDC issue the service ticket. It never contacts the collector,
 * nothing touches the disk, and it prints one JSON line. Run apart so the Kerberos environment stays out
 * of the parent and a hung KDC can be timed out.
 *
 *   node ticket-probe.js <host-based service> <client principal>
 */
import { initCredsFromKeytab } from '../../native/libkrb5.js';

const [service = '', principal = ''] = process.argv.slice(2);

async function probe(): Promise<{ ok: boolean; step?: string; error?: string }> {
  const initial = initCredsFromKeytab(principal, process.env['KRB5_CLIENT_KTNAME'] ?? '');
  if (initial !== undefined) return { ok: false, step: 'initial credentials', error: initial };
  try {
    // Loaded only now: the addon changes how libkrb5 treats the clock, and audisp-remote never loads it.
    const { default: kerberos } = await import('kerberos');
    const client = await kerberos.initializeClient(service, {
      principal,
      mechOID: kerberos.GSS_MECH_OID_KRB5,
    });
    const token = await client.step('');
    return { ok: token.length > 0 };
  } catch (error) {
    return {
      ok: false,
      step: 'service ticket',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

process.stdout.write(`${JSON.stringify(await probe())}\n`);
