import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfFile } from '../../../src/forwarding/conf-file.js';
import { REPO_ROOT } from '../../harness/exec.js';

describe('audit config files', () => {
  it('round-trips Debian stock files byte for byte', () => {
    for (const [file, reading] of [
      ['etc/audit/auditd.conf', 'skip160'],
      ['etc/audit/audisp-remote.conf', 'split128'],
      ['etc/audit/plugins.d/au-remote.conf', 'skip160'],
    ] as const) {
      const text = readFileSync(`${REPO_ROOT}test/fixtures/debian-12-audit-3.0.9/${file}`, 'utf8');
      assert.equal(ConfFile.parse(text, reading).render(), text.endsWith('\n') ? text : `${text}\n`, file);
    }
  });

  it('changes exactly the line of a key, drops its duplicates, appends new keys', () => {
    const file = ConfFile.parse('# head\na = 1\n\n# keep\nb = 2\na = 3\n', 'skip160');
    assert.equal(file.get('a'), '3', 'like audit, the last line wins when reading');
    file.set('a', '9');
    file.set('c', 'x');
    assert.equal(file.render(), '# head\na = 9\n\n# keep\nb = 2\nc = x\n');
  });

  it('keeps malformed and commented lines verbatim and writes single spaces', () => {
    const file = ConfFile.parse('##krb5_principal =\nodd line\nkey=nospaces\nx  =  y\n', 'skip160');
    assert.deepEqual(file.keys(), ['x']);
    file.set('x', 'z');
    assert.equal(file.render(), '##krb5_principal =\nodd line\nkey=nospaces\nx = z\n');
  });

  it('matches keys in any letter case, as audit does (strcasecmp), so no variant can override ours', () => {
    const file = ConfFile.parse('write_logs = no\nWrite_Logs = yes\nQ_DEPTH = 10\n', 'skip160');
    assert.equal(file.get('write_logs'), 'yes', 'the later line wins, whatever its case');
    file.set('write_logs', 'no');
    file.set('q_depth', '99999');
    assert.equal(file.render(), 'write_logs = no\nq_depth = 99999\n');
  });

  it('refuses a line longer than audit reads (127 bytes)', () => {
    const file = ConfFile.parse('', 'skip160');
    file.set('krb5_key_file', `/${'k'.repeat(120)}`);
    assert.throws(() => file.render(), { code: 'CONFIG_LINE_TOO_LONG' });
  });

  it('reads auditd.conf as auditd does: a line of 159 bytes or more, or without its newline, sets nothing', () => {
    const padded = `write_logs = no${' '.repeat(150)}`; // auditd logs "Skipping line: too long"
    const file = ConfFile.parse(`write_logs = yes\n${padded}\nq_depth = 10`, 'skip160');
    assert.equal(file.get('write_logs'), 'yes', 'the padded line is skipped');
    assert.equal(file.get('q_depth'), undefined, 'a last line without a newline is skipped too');
    assert.equal(ConfFile.parse(`write_logs = no${' '.repeat(143)}\n`, 'skip160').get('write_logs'), 'no');
    file.set('write_logs', 'no');
    assert.equal(file.get('write_logs'), 'no');
    assert.match(file.render(), /^write_logs = no\n/);
  });

  it('reads audisp-remote.conf as audisp-remote does: each 127-byte piece of a long line is a line', () => {
    const hidden = `# ${'x'.repeat(125)}mode = forward\n`;
    const file = ConfFile.parse(`mode = immediate\n${hidden}`, 'split128');
    assert.equal(file.get('mode'), 'forward', 'the piece after 127 bytes is read as a setting');
    file.set('mode', 'immediate');
    assert.equal(file.get('mode'), 'immediate');
    assert.equal(file.render(), 'mode = immediate\n', 'the line hiding a setting is dropped');
    assert.equal(ConfFile.parse(hidden, 'skip160').get('mode'), undefined);
  });
});
