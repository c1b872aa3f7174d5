/**
 * The libkrb5 binding against the real library, without a KDC: the error code comes back as krb5's own
 * text (the message pointer decoded, then freed with krb5_free_error_message), many times over (a double
 * free would crash). The krb5.conf turns DNS lookups off and names no KDC, so nothing leaves the machine.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initCredsFromKeytab } from '../../../native/libkrb5.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const NO_DNS = '[libdefaults]\n dns_lookup_kdc = false\n dns_lookup_realm = false\n rdns = false\n';

describe('libkrb5', () => {
  const saved = process.env['KRB5_CONFIG'];
  const dir = makeTempDir('auditrelay-krb5-');
  before(() => {
    writeFileSync(join(dir, 'krb5.conf'), NO_DNS);
    process.env['KRB5_CONFIG'] = join(dir, 'krb5.conf');
  });
  after(() => {
    if (saved === undefined) delete process.env['KRB5_CONFIG'];
    else process.env['KRB5_CONFIG'] = saved;
    removeTempDir(dir);
  });

  it("returns krb5's own message for each failure, freeing it each time", () => {
    assert.equal(
      initCredsFromKeytab('bad@@name', '/nonexistent.keytab'),
      'Malformed representation of principal',
    );
    for (let i = 0; i < 1000; i++) {
      assert.equal(
        initCredsFromKeytab('auditd/host@EXAMPLE.TEST', '/nonexistent.keytab'),
        'Cannot find KDC for realm "EXAMPLE.TEST"',
      );
    }
  });
});
