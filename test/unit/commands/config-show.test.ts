import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLI, REPO_ROOT, run } from '../../harness/exec.js';

describe('config show', () => {
  it('prints the effective configuration as JSON, defaults resolved (CR 7.6 RE1)', async () => {
    const result = await run('node', [
      CLI,
      'config',
      'show',
      '--config',
      `${REPO_ROOT}config/auditrelay.toml`,
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(result.stdout);
    assert.equal(config.daemon.heartbeat_interval, 60_000);
    assert.equal(config.forwarding.transport, 'krb5');
    assert.equal(config.auditd.q_depth, 99999);
  });

  it('refuses a bad file with every problem in JSON from config check', async () => {
    const result = await run('node', [CLI, 'config', 'check', '--config', '/dev/null/nope.toml', '--json']);
    assert.equal(result.code, 78);
    assert.equal(JSON.parse(result.stdout).ok, false);
  });
});
