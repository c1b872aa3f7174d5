import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitRecord } from '../../../src/audit/record.js';
import { RefusalReporter } from '../../../src/daemon/refusals.js';

const alice = { pid: 10, uid: 1000, gid: 1000, comm: 'web ui' };
const bob = { pid: 11, uid: 1001, gid: 1001 };

describe('refusal reporting', () => {
  it('records the first refusal at once and summarises the rest per interval', () => {
    const records: EmitRecord[] = [];
    const reporter = new RefusalReporter((r) => records.push(r), 3_600_000);
    reporter.refused(alice, 'POLICY_DENIED', 'USER_LOGIN');
    reporter.refused(alice, 'POLICY_DENIED', 'USER_LOGIN');
    reporter.refused(alice, 'POLICY_DENIED', 'ADD_USER');
    reporter.refused(bob, 'POLICY_DENIED', 'USER_LOGIN');
    assert.equal(records.length, 2);
    reporter.flush();
    assert.equal(records.length, 3);
    const summary = records[2];
    assert.ok(summary?.kind === 'user');
    assert.equal(summary.type, 1109);
    assert.equal(summary.success, false);
    assert.match(
      summary.message,
      /^op=auditrelay-refusal reason="POLICY_DENIED" event_type="ADD_USER" refused="2" sender_pid=10 sender_uid=1000/,
    );
    assert.match(summary.message, /sender_comm=776562207569$/);
    reporter.flush(); // quiet interval: forgets alice and bob
    reporter.refused(alice, 'POLICY_DENIED', 'USER_LOGIN');
    assert.equal(records.length, 4, 'after a quiet interval the next refusal is recorded at once');
    reporter.stop();
  });
});
