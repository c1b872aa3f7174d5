import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKeytab } from '../../../src/kerberos/keytab.js';
import { defaultRealm } from '../../../src/kerberos/krb5-conf.js';
import { probeResult } from '../../../src/kerberos/preflight.js';
import { clientPrincipal, hostBasedService } from '../../../src/kerberos/principal.js';
import { classifyTicketError } from '../../../src/kerberos/ticket-errors.js';

describe('kerberos helpers', () => {
  it('names principals the way audisp-remote 3.0.9 does', () => {
    assert.equal(clientPrincipal('auditd', 'AUDIT.TEST', 'gw7'), 'auditd/gw7@AUDIT.TEST');
    assert.equal(hostBasedService('auditd/collector.example.com'), 'auditd@collector.example.com');
  });

  it("reads krb5.conf's default realm from [libdefaults] only", () => {
    const text =
      '[realms]\n default_realm = WRONG\n[libdefaults]\n  # comment\n  default_realm = AUDIT.TEST ; trailing\n';
    assert.equal(defaultRealm(text), 'AUDIT.TEST');
    assert.equal(defaultRealm('[libdefaults]\n'), undefined);
  });

  it('classifies MIT error messages', () => {
    const names = { client: 'auditd/gw@R', service: 'auditd/c@R' };
    const code = (m: string) => classifyTicketError(m, names).code;
    assert.equal(code("Cannot contact any KDC for realm 'R'"), 'KRB5_KDC_UNREACHABLE');
    assert.equal(code('Server auditd/c@R not found in Kerberos database'), 'KRB5_SERVICE_UNKNOWN');
    assert.equal(code('Client auditd/gw@R not found in Kerberos database'), 'KRB5_CLIENT_UNKNOWN');
    assert.equal(code('Clock skew too great'), 'KRB5_CLOCK_SKEW');
    assert.equal(code('Preauthentication failed'), 'KEYTAB_KEY_MISMATCH');
    assert.equal(code('something new'), 'KRB5_TICKET_FAILED');
  });

  it('refuses bytes that are not a keytab', () => {
    assert.throws(() => parseKeytab(Buffer.from('hello')), { code: 'KEYTAB_INVALID' });
    assert.throws(() => parseKeytab(Buffer.from([5, 2, 0, 0, 0, 40, 0, 1])), { code: 'KEYTAB_INVALID' });
    assert.deepEqual(parseKeytab(Buffer.from([5, 2])), []);
  });

  it("reads the ticket probe's result, and never throws on output that is not one", () => {
    assert.deepEqual(probeResult('{"ok":true}\n'), { ok: true });
    assert.deepEqual(probeResult('{"ok":false,"error":"Cannot contact any KDC"}'), {
      ok: false,
      error: 'Cannot contact any KDC',
    });
    for (const junk of ['', 'Segmentation fault', '[1]', 'null', '{"fine":1}']) {
      const result = probeResult(junk);
      assert.equal(result.ok, false, junk);
      assert.match(result.error ?? '', /printed no result/);
    }
  });
});
