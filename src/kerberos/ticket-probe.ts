/**
 * Child-process entry point of the Kerberos ticket check: with KRB5_CONFIG, KRB5_CLIENT_KTNAME and a
 * MEMORY credential cache set by the parent, it asks the KDC for a service ticket for the collector as
 * audisp-remote would (GSS-API, krb5 mechanism) and prints one JSON line. It never contacts the collector,
 * and the ticket never touches the disk. Run apart so the Kerberos environment stays out of the parent and
 * a hung KDC can be timed out.
 *
 *   node ticket-probe.js <host-based service> <client principal>
 */
import kerberos from 'kerberos';

const [service, principal] = process.argv.slice(2);

try {
  const client = await kerberos.initializeClient(service ?? '', {
    ...(principal === undefined ? {} : { principal }),
    mechOID: kerberos.GSS_MECH_OID_KRB5,
  });
  const token = await client.step('');
  process.stdout.write(`${JSON.stringify({ ok: token.length > 0 })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`,
  );
}
