/**
 * Which `auditctl -l` lines can drop a user record the kernel acknowledged: every exclude rule (any action),
 * user-list rules with `never`, in either word order; nothing else, and "unknown" when auditctl cannot run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { droppingRules } from '../../../src/forwarding/dropping-rules.js';

describe('rules that drop user records', () => {
  it('names exclude rules and never,user rules, and nothing else', () => {
    const listed = [
      '-a never,user -F uid=0',
      '-a user,never -F msgtype=USER_LOGIN',
      '-a always,exclude -F msgtype=TRUSTED_APP',
      '-a exclude,never -F msgtype=USYS_CONFIG',
      '-a always,user -F uid=0',
      '-a always,exit -F arch=b64 -S execve -F key=exec',
      '-w /etc/passwd -p wa -k identity',
      '',
    ].join('\n');
    assert.deepEqual(
      droppingRules(() => listed),
      [
        '-a never,user -F uid=0',
        '-a user,never -F msgtype=USER_LOGIN',
        '-a always,exclude -F msgtype=TRUSTED_APP',
        '-a exclude,never -F msgtype=USYS_CONFIG',
      ],
    );
    assert.deepEqual(
      droppingRules(() => 'No rules\n'),
      [],
    );
    assert.equal(
      droppingRules(() => undefined),
      undefined,
    );
  });
});
