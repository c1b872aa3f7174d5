import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorReply, formatReply, parseRequest } from '../../../src/daemon/protocol.js';
import { externalCode } from '../../../src/errors/codes.js';
import { AuditRelayError } from '../../../src/errors/error.js';

const line = (text: string) => Buffer.from(text, 'utf8');

describe('protocol v1', () => {
  it('splits the id from the event and recognises status requests', () => {
    assert.deepEqual(parseRequest(line('{"id":"7","type":"USER_LOGIN","acct":"a"}')), {
      kind: 'event',
      id: '7',
      event: { type: 'USER_LOGIN', acct: 'a' },
    });
    assert.deepEqual(parseRequest(line('{"id":1,"request":"status"}')), { kind: 'status', id: 1 });
    assert.equal(parseRequest(line('{"type":1121}')).id, null);
  });

  it('refuses what is not a request, keeping the id when it could be read', () => {
    assert.throws(() => parseRequest(line('nope')), { code: 'REQUEST_MALFORMED' });
    // Invalid UTF-8 would decode to U+FFFD: refused, never recorded as something else.
    const notUtf8 = Buffer.concat([line('{"type":1121,"fields":{"v":"'), Buffer.of(0xc3, 0x28), line('"}}')]);
    assert.throws(() => parseRequest(notUtf8), { code: 'REQUEST_NOT_UTF8' });
    assert.equal(parseRequest(line('{"type":1121,"fields":{"v":"é"}}')).kind, 'event');
    assert.throws(() => parseRequest(line('"str"')), { code: 'REQUEST_MALFORMED' });
    assert.throws(() => parseRequest(line('{"id":{"a":1}}')), { code: 'REQUEST_ID_INVALID' });
    assert.throws(() => parseRequest(line(`{"id":"${'x'.repeat(129)}"}`)), { code: 'REQUEST_ID_INVALID' });
    // JSON.parse would round these: the reply would carry another request's id.
    assert.throws(() => parseRequest(line('{"id":9007199254740993}')), { code: 'REQUEST_ID_INVALID' });
    assert.throws(() => parseRequest(line('{"id":1.5}')), { code: 'REQUEST_ID_INVALID' });
    assert.equal(parseRequest(line('{"id":9007199254740991,"request":"status"}')).id, 9007199254740991);
    assert.throws(
      () => parseRequest(line('{"id":3,"request":"x"}')),
      (e: unknown) => (e as { id: unknown }).id === 3,
    );
  });

  it('formats one line per reply and never leaks internal errors', () => {
    assert.equal(formatReply({ id: 1, ok: true }), '{"id":1,"ok":true}\n');
    assert.deepEqual(errorReply(2, new AuditRelayError(externalCode('EPERM'), 'denied')), {
      id: 2,
      ok: false,
      error: { code: 'EPERM', message: 'denied' },
    });
    assert.deepEqual(errorReply(3, new Error('secret detail')), {
      id: 3,
      ok: false,
      error: { code: 'INTERNAL', message: 'Internal error' },
    });
  });
});
