import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmitRecord } from '../../../src/audit/record.js';
import { NAMED_SENDERS, RefusalReporter } from '../../../src/daemon/refusals.js';

const alice = { pid: 10, uid: 1000, gid: 1000, gids: [], comm: 'web ui' };
const alice2 = { pid: 12, uid: 1000, gid: 1000, gids: [], comm: 'cron', exe: '/usr/sbin/cron' };
const bob = { pid: 11, uid: 1001, gid: 1001, gids: [] };

const messages = (records: EmitRecord[]) => records.map((r) => (r.kind === 'user' ? r.message : r.op));

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
      /^op=auditrelay-refusal reason="POLICY_DENIED" event="ADD_USER" refused="2" sender_process=10 sender_user=1000 sender_group=1000/,
    );
    assert.match(summary.message, /sender_command=776562207569$/);
    reporter.flush(); // quiet interval: forgets alice and bob
    reporter.refused(alice, 'POLICY_DENIED', 'USER_LOGIN');
    assert.equal(records.length, 4, 'after a quiet interval the next refusal is recorded at once');
    reporter.stop();
  });

  it('names every process of a uid refused in the window, not only the first', () => {
    const records: EmitRecord[] = [];
    const reporter = new RefusalReporter((r) => records.push(r), 3_600_000);
    reporter.refused(alice, 'POLICY_DENIED', 'USER_LOGIN');
    reporter.refused(alice2, 'POLICY_DENIED', 'ADD_USER');
    reporter.refused(alice2, 'POLICY_DENIED', 'ADD_USER');
    reporter.flush();
    assert.equal(records.length, 2, 'the first at once, then one summary for the second process');
    assert.match(
      messages(records)[1] ?? '',
      /refused="2" sender_process=12 sender_user=1000 .*sender_program=/,
    );
    reporter.stop();
  });

  it('sums the processes beyond the named ones in one record that names the uid', () => {
    const records: EmitRecord[] = [];
    const reporter = new RefusalReporter((r) => records.push(r), 3_600_000);
    for (let pid = 100; pid < 100 + NAMED_SENDERS + 5; pid++) {
      reporter.refused({ pid, uid: 1000, gid: 1000, gids: [] }, 'POLICY_DENIED', 'USER_LOGIN');
    }
    reporter.flush();
    assert.equal(records.length, 1 + (NAMED_SENDERS - 1) + 1);
    assert.match(messages(records).at(-1) ?? '', /refused="5" sender_user=1000 senders="more than 16"$/);
    reporter.stop();
  });
});
