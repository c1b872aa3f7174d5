import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { AUDISP_REMOTE_KEYWORDS } from '../../../src/forwarding/audit-parsers.js';
import { ConfFile } from '../../../src/forwarding/conf-file.js';
import { renderAudispRemote, renderAuditd, renderAuRemotePlugin } from '../../../src/forwarding/render.js';
import { REPO_ROOT } from '../../harness/exec.js';

const golden = (name: string) => readFileSync(`${REPO_ROOT}test/fixtures/golden/${name}`, 'utf8');
const config = parseConfig(
  '[forwarding]\ncollector = "collector.audit.test"\nport = 6060\n[auditd]\nname_format = "user"\nname = "gateway-7"\n',
  'test.toml',
);

describe('rendering the managed files', () => {
  it('renders audisp-remote.conf with every key, known to audit 3.0.9 only', () => {
    const f = config.forwarding;
    assert.ok(f !== undefined);
    const text = renderAudispRemote(f);
    assert.equal(text, golden('audisp-remote.conf'));
    const keys = ConfFile.parse(text, 'split128').keys();
    assert.ok(keys.every((k) => (AUDISP_REMOTE_KEYWORDS as readonly string[]).includes(k)));
    assert.ok(text.split('\n').every((line) => Buffer.byteLength(line) <= 127));
  });

  it('renders the plugin file', () => {
    assert.equal(renderAuRemotePlugin(), golden('au-remote.conf'));
  });

  it('changes only the managed keys of a hand-edited auditd.conf', () => {
    const before = readFileSync(`${REPO_ROOT}test/fixtures/hand-edited-auditd.conf`, 'utf8');
    const after = renderAuditd(before, config.auditd);
    assert.equal(after, golden('auditd.conf'));
    const changed = before.split('\n').filter((line) => !after.split('\n').includes(line));
    assert.deepEqual(changed, [
      'write_logs = yes',
      'q_depth = 4000',
      'name_format = NONE',
      'q_depth = 5000',
      'max_restarts = 10',
    ]);
  });

  it('writes no Kerberos keys for the plaintext lab transport', () => {
    const tcp = parseConfig(
      '[forwarding]\ncollector = "10.0.0.1"\ntransport = "tcp"\nallow_plaintext = true\n',
      't',
    ).forwarding;
    assert.ok(tcp !== undefined);
    const text = renderAudispRemote(tcp);
    assert.match(text, /^transport = TCP$/m);
    assert.doesNotMatch(text, /krb5/);
  });
});
