import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeNvString,
  msgTypeToName,
  nameToMsgType,
  valueNeedsEncoding,
} from '../../../native/libaudit.js';
import { errnoName, SyscallError } from '../../../native/syscall-error.js';
import { exitCodeFor } from '../../../src/errors/codes.js';

describe('native/libaudit', () => {
  it('resolves message types through the installed libaudit', () => {
    assert.equal(nameToMsgType('USER_START'), 1105);
    assert.equal(nameToMsgType('NO_SUCH_TYPE'), undefined);
    assert.equal(msgTypeToName(1112), 'USER_LOGIN');
  });

  it('wraps the encoding helpers and frees their C strings', () => {
    assert.equal(valueNeedsEncoding(Buffer.from('plain')), false);
    assert.equal(valueNeedsEncoding(Buffer.from('a b')), true);
    assert.equal(encodeNvString('user', Buffer.from('alice')), 'user="alice"');
    assert.equal(encodeNvString('e', Buffer.alloc(0)), 'e=""');
  });

  it('names errno values like Node does and maps them to exit codes', () => {
    assert.equal(errnoName(1), 'EPERM');
    assert.equal(errnoName(111), 'ECONNREFUSED');
    assert.equal(errnoName(0), 'EUNKNOWN');
    const error = new SyscallError('audit_log_user_message', 1);
    assert.equal(error.code, 'EPERM');
    assert.equal(error.errno, 1);
    assert.equal(error.syscall, 'audit_log_user_message');
    assert.equal(exitCodeFor(error), 77);
    assert.equal(exitCodeFor(new SyscallError('x', 111)), 69);
  });
});
