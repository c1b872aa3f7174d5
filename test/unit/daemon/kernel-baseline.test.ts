/**
 * The kernel's lost counter at the daemon's start: read from the kernel where the daemon may, else what
 * the unit's ExecStartPre passed, else unknown — and `status` counts a loss only past it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KernelAuditStatus } from '../../../native/audit-status.js';
import { BASELINE_ENV, kernelLostAtStart } from '../../../src/daemon/kernel-baseline.js';
import { lostSince } from '../../../src/status/health.js';

const kernel = (lost: number) => () => ({ lost }) as KernelAuditStatus;
const denied = () => {
  throw new Error('EPERM');
};

describe('kernel baseline', () => {
  it('takes what the unit passed without asking the kernel, else the kernel, else says it does not know', () => {
    let asked = 0;
    const counted = () => {
      asked++;
      return { lost: 3 } as KernelAuditStatus;
    };
    assert.equal(kernelLostAtStart({ [BASELINE_ENV]: '9' }, counted), 9);
    assert.equal(asked, 0, 'the kernel is not asked when the unit passed the value');
    assert.equal(kernelLostAtStart({}, kernel(3)), 3);
    assert.equal(kernelLostAtStart({ [BASELINE_ENV]: 'x' }, kernel(3)), 3);
    assert.equal(kernelLostAtStart({}, denied), null);
    for (const junk of ['', '-1', '1e3', '12345678901', 'x'])
      assert.equal(kernelLostAtStart({ [BASELINE_ENV]: junk }, denied), null, junk);
  });

  it('counts what was lost past the baseline, and everything after a reset of the counter', () => {
    assert.equal(lostSince(5, 5), 0);
    assert.equal(lostSince(5, 8), 3);
    assert.equal(lostSince(5, 2), 2, 'auditctl --reset-lost, then 2 lost');
  });
});
