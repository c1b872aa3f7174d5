import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfFile } from '../../../src/forwarding/conf-file.js';
import { REPO_ROOT } from '../../harness/exec.js';

describe('audit config files', () => {
  it('round-trips Debian stock files byte for byte', () => {
    for (const file of [
      'etc/audit/auditd.conf',
      'etc/audit/audisp-remote.conf',
      'etc/audit/plugins.d/au-remote.conf',
    ]) {
      const text = readFileSync(`${REPO_ROOT}test/fixtures/debian-12-audit-3.0.9/${file}`, 'utf8');
      assert.equal(ConfFile.parse(text).render(), text.endsWith('\n') ? text : `${text}\n`, file);
    }
  });

  it('changes exactly the line of a key, drops its duplicates, appends new keys', () => {
    const file = ConfFile.parse('# head\na = 1\n\n# keep\nb = 2\na = 3\n');
    assert.equal(file.get('a'), '3', 'like audit, the last line wins when reading');
    file.set('a', '9');
    file.set('c', 'x');
    assert.equal(file.render(), '# head\na = 9\n\n# keep\nb = 2\nc = x\n');
  });

  it('keeps malformed and commented lines verbatim and writes single spaces', () => {
    const file = ConfFile.parse('##krb5_principal =\nodd line\nkey=nospaces\nx  =  y\n');
    assert.deepEqual(file.keys(), ['x']);
    file.set('x', 'z');
    assert.equal(file.render(), '##krb5_principal =\nodd line\nkey=nospaces\nx = z\n');
  });

  it('matches keys in any letter case, as audit does (strcasecmp), so no variant can override ours', () => {
    const file = ConfFile.parse('write_logs = no\nWrite_Logs = yes\nQ_DEPTH = 10\n');
    assert.equal(file.get('write_logs'), 'yes', 'the later line wins, whatever its case');
    file.set('write_logs', 'no');
    file.set('q_depth', '99999');
    assert.equal(file.render(), 'write_logs = no\nq_depth = 99999\n');
  });

  it('refuses a line longer than audit reads (127 bytes)', () => {
    const file = ConfFile.parse('');
    file.set('krb5_key_file', `/${'k'.repeat(120)}`);
    assert.throws(() => file.render(), { code: 'CONFIG_LINE_TOO_LONG' });
  });
});
