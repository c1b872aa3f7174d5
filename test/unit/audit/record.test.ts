import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '../../../src/audit/event.js';
import { buildRecord, RECORD_BYTES } from '../../../src/audit/record.js';
import { fakeTypes } from './fake-types.js';

describe('buildRecord', () => {
  it('puts op first, then fields in order, then the sender identity', () => {
    const event = parseEvent(
      { type: 'USYS_CONFIG', op: 'set', fields: { setting: 'ntp', v: "a'b" } },
      fakeTypes,
    );
    const record = buildRecord(
      event,
      { pid: 42, uid: 1000, gid: 100, gids: [], comm: 'webui', exe: '/usr/bin/web ui' },
      4096,
    );
    assert.equal(record.kind, 'user');
    assert.ok(record.kind === 'user');
    assert.equal(
      record.message,
      'op=set setting="ntp" v=612762 sender_process=42 sender_user=1000 sender_group=100 sender_command="webui" sender_program=2F7573722F62696E2F776562207569',
    );
  });

  it('routes account events to audit_log_acct_message with the fields after op', () => {
    const event = parseEvent(
      {
        type: 'USER_LOGIN',
        op: 'login',
        acct: 'alice',
        addr: '192.0.2.7',
        result: 'failed',
        fields: { method: 'passkey' },
      },
      fakeTypes,
    );
    const record = buildRecord(event, undefined, 4096);
    assert.deepEqual(record, {
      kind: 'acct',
      type: 1112,
      op: 'login method="passkey"',
      acct: 'alice',
      addr: '192.0.2.7',
      success: false,
    });
  });

  it('refuses an oversized event whole instead of cutting it', () => {
    const event = parseEvent({ type: 1121, fields: { blob: 'x'.repeat(RECORD_BYTES.default) } }, fakeTypes);
    assert.throws(() => buildRecord(event, undefined, RECORD_BYTES.default), { code: 'EVENT_TOO_LARGE' });
    const fits = parseEvent(
      { type: 1121, fields: { blob: 'x'.repeat(RECORD_BYTES.default - 7) } },
      fakeTypes,
    );
    assert.equal(buildRecord(fits, undefined, RECORD_BYTES.default).kind, 'user');
  });
});
