/**
 * The fleet bench in CI with a small N (#21 item 5): 10 simulated devices — real audisp-remote processes,
 * each its own principal and keytab from the lab's KDC — against one real collector auditd (KRB5): every
 * record of the steady phase and the burst is stored, every device forwards again after the collector
 * restarts, and verify accounts every device by its principal with nothing missing. The figures at
 * N = 10, 100, 1000 come from `npm run bench:fleet` (README).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureFleet } from '../bench/fleet-bench.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';

const skip = await whyNoKernelAudit();

describe('a fleet of 10 devices on one collector', { skip }, () => {
  it('stores every record, survives a collector restart, and verify accounts each device by its principal', async (t) => {
    const f = await measureFleet({ n: 10, steadyS: 5, burst: 50 });
    t.diagnostic(JSON.stringify(f));
    assert.equal(f.steadyDelivered, 50, 'steady: every record stored');
    assert.equal(f.burstDelivered, 500, 'burst: every record stored');
    assert.equal(f.stormDelivered, 10, 'every device forwards again after the restart');
    assert.ok(f.kdcRequests >= 10, `each reconnect asks the KDC (${f.kdcRequests} requests)`);
    assert.deepEqual([f.verifyCode, f.verifyDevices, f.verifyMissing], [0, 10, 0]);
  });
});
