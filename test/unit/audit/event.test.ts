import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '../../../src/audit/event.js';
import { fakeTypes } from './fake-types.js';

function codeOf(input: unknown): string | undefined {
  try {
    parseEvent(input, fakeTypes);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('parseEvent', () => {
  it('accepts a generic event with ordered fields', () => {
    const event = parseEvent(
      { type: 'USYS_CONFIG', op: 'set-config', fields: { setting: 'ntp', value: 'a b' } },
      fakeTypes,
    );
    assert.equal(event.type.number, 1111);
    assert.equal(event.type.name, 'USYS_CONFIG');
    assert.equal(event.success, true);
    assert.deepEqual(
      event.fields.map(([n]) => n),
      ['setting', 'value'],
    );
  });

  it('accepts numbers as types and as field values', () => {
    const event = parseEvent({ type: 1121, result: 'failed', fields: { count: 3, ok: false } }, fakeTypes);
    assert.equal(event.type.name, 'TRUSTED_APP');
    assert.equal(event.success, false);
    assert.equal(Buffer.from(event.fields[0]?.[1] ?? []).toString(), '3');
  });

  it('refuses what it cannot record exactly, each with its own code', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'EVENT_INVALID'],
      [{}, 'EVENT_INVALID'],
      [{ type: 'USER_LOGIN', acct: 'a', op: 'login', feilds: {} }, 'EVENT_INVALID'],
      [{ type: 'NOPE' }, 'EVENT_TYPE_UNKNOWN'],
      [{ type: 'SYSCALL' }, 'EVENT_TYPE_OUT_OF_RANGE'],
      [{ type: 1099 }, 'EVENT_TYPE_OUT_OF_RANGE'],
      [{ type: 3000 }, 'EVENT_TYPE_OUT_OF_RANGE'],
      [{ type: 'USER_AVC' }, 'EVENT_TYPE_RESERVED'],
      [{ type: 1121, result: 'ok' }, 'EVENT_RESULT_INVALID'],
      [{ type: 1121, fields: { Bad: 'x' } }, 'EVENT_FIELD_NAME_INVALID'],
      [{ type: 1121, fields: { '1a': 'x' } }, 'EVENT_FIELD_NAME_INVALID'],
      [{ type: 1121, fields: { ['a'.repeat(33)]: 'x' } }, 'EVENT_FIELD_NAME_INVALID'],
      [{ type: 1121, fields: { 'a b': 'x' } }, 'EVENT_FIELD_NAME_INVALID'],
      [{ type: 1121, fields: { res: 'failed' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { auid: '0' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { sender_uid: '0' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { ar_seq: '7' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { hb_seq: '7' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { a: { nested: 1 } } }, 'EVENT_FIELD_VALUE_INVALID'],
      [{ type: 1121, fields: { a: '\ud800' } }, 'EVENT_FIELD_VALUE_INVALID'],
      [{ type: 1121, op: 'log in' }, 'EVENT_OP_INVALID'],
      [{ type: 1121, op: "x'" }, 'EVENT_OP_INVALID'],
      [{ type: 1121, op: 'PAM:' }, 'EVENT_OP_INVALID'],
      [{ type: 1121, op: 'auditrelay-heartbeat' }, 'EVENT_OP_RESERVED'],
      [{ type: 1121, op: 'AuditRelay-refusal' }, 'EVENT_OP_RESERVED'],
      [{ type: 1121, op: 'auditrelay.refusal' }, 'EVENT_OP_RESERVED'],
      [{ type: 1121, op: 'auditrelay_tally' }, 'EVENT_OP_RESERVED'],
      [{ type: 1121, fields: { reason: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { senders: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { refused: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { event: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { krb5: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { big: 2 ** 53 } }, 'EVENT_FIELD_VALUE_INVALID'],
      [{ type: 1121, fields: { big: -(2 ** 60) } }, 'EVENT_FIELD_VALUE_INVALID'],
      [{ type: 'USER_LOGIN', op: 'login' }, 'EVENT_ACCT_REQUIRED'],
      [{ type: 'USER_LOGIN', acct: 'alice' }, 'EVENT_OP_REQUIRED'],
      [{ type: 'USER_LOGIN', op: 'login', acct: "mal'lory" }, 'EVENT_ACCT_INVALID'],
      [{ type: 'USER_LOGIN', op: 'login', acct: 'a'.repeat(33) }, 'EVENT_ACCT_INVALID'],
      [{ type: 'USER_LOGIN', op: 'login', acct: '' }, 'EVENT_ACCT_INVALID'],
      [{ type: 1121, addr: 'example.com' }, 'EVENT_ADDR_INVALID'],
      // ausearch/aureport find these by substring: target_acct= would be read as acct= (#15 item 1)
      [{ type: 1121, fields: { target_acct: 'root' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { old_exe: '/usr/sbin/sshd' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { new_uid: '0' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { features: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { api_key: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { event_type: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { remote_hostname: 'x' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 1121, fields: { path: '/etc' } }, 'EVENT_FIELD_NAME_RESERVED'],
      [{ type: 'USER_LOGIN', op: 'login', acct: 'comm=sshd' }, 'EVENT_ACCT_INVALID'],
      // what libaudit or ausearch would change (#15 item 8)
      [{ type: 1121, addr: '2001:db8::' }, 'EVENT_ADDR_INVALID'],
      [{ type: 1121, addr: `fe80::1%${'z'.repeat(40)}` }, 'EVENT_ADDR_INVALID'],
    ];
    for (const [input, code] of cases) assert.equal(codeOf(input), code, JSON.stringify(input));
  });

  it('accepts IPv4 and IPv6 addresses and 32-byte accounts', () => {
    assert.equal(parseEvent({ type: 1121, addr: '192.0.2.7' }, fakeTypes).addr, '192.0.2.7');
    assert.equal(parseEvent({ type: 1121, addr: '2001:db8::1' }, fakeTypes).addr, '2001:db8::1');
    assert.equal(parseEvent({ type: 1121, addr: 'fe80::1%eth0' }, fakeTypes).addr, 'fe80::1%eth0');
    const names = { setting: 1, value: 2, username: 3, user_id: 4, sender: 5, status: 6 };
    assert.equal(parseEvent({ type: 1121, fields: names }, fakeTypes).fields.length, 6);
    const acct = 'é'.repeat(16);
    assert.equal(parseEvent({ type: 'USER_LOGIN', op: 'login', acct }, fakeTypes).acct, acct);
  });
});
