import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { libauditTypeTable } from '../../../src/audit/type-table.js';
import { loadConfig } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';
import { systemAccounts } from '../../../src/daemon/accounts.js';
import { prepareRuntime } from '../../../src/daemon/runtime.js';
import { REPO_ROOT } from '../../harness/exec.js';

describe('the shipped example config', () => {
  const file = `${REPO_ROOT}config/auditrelay.toml`;

  it('is valid, and the values it shows are the defaults', () => {
    const config = loadConfig(file);
    const defaults = configSchema.parse({ forwarding: { collector: 'collector.example.com' } });
    assert.deepEqual(config.daemon, defaults.daemon);
    assert.deepEqual(config.auditd, defaults.auditd);
    assert.deepEqual(config.forwarding, {
      ...defaults.forwarding,
      service_principal: 'auditd/collector.example.com',
    });
  });

  it('names only existing accounts and event types', () => {
    prepareRuntime(file, loadConfig(file), systemAccounts, libauditTypeTable());
  });
});
