/**
 * The code registry (src/errors/codes.ts): every code well formed; every code-like string in src/ and
 * native/ registered (the types catch throw sites; this catches codes in tables and messages), none
 * registered that nothing uses; exit statuses by sysexits; the generated documents current.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SyscallError } from '../../../native/syscall-error.js';
import { CODES, ERRNO_CODES, exitCodeFor, externalCode } from '../../../src/errors/codes.js';
import { AuditRelayError } from '../../../src/errors/error.js';
import { EXIT } from '../../../src/errors/exit.js';
import { errorReference, withReplyCodes } from '../../evidence/error-reference.js';
import { REPO_ROOT } from '../../harness/exec.js';

/** Strings in the sources that look like codes and are not: environment variables, socket options, a type. */
const NOT_CODES = new Set([
  'AUDITRELAY_KERNEL_LOST_AT_START',
  'AUDITRELAY_LIBAUDIT',
  'AUDITRELAY_LIBAUPARSE',
  'AUDITRELAY_LIBC',
  'AUDITRELAY_LIBKRB5',
  'AUDITRELAY_LIBSYSTEMD',
  'AUDITRELAY_LOG_LEVEL',
  'JOURNAL_STREAM',
  'KRB5_CLIENT_KTNAME',
  'KRB5_CONFIG',
  'KRB5_KTNAME',
  'LISTEN_FDNAMES',
  'LISTEN_FDS',
  'LISTEN_PID',
  // Socket options named in SyscallError details (native/tcp-options.ts, native/audit-multicast.ts).
  'SO_KEEPALIVE',
  'SO_RCVBUF',
  'SO_RCVTIMEO',
  'TCP_KEEPCNT',
  'TCP_KEEPIDLE',
  'TCP_KEEPINTVL',
  'TCP_USER_TIMEOUT',
  'SO_PEERCRED',
  'SO_PEERGROUPS',
  'USER_LOGIN',
]);

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(REPO_ROOT, dir, f), 'utf8'));
}

const registered = new Set([...Object.keys(CODES), ...Object.keys(ERRNO_CODES)]);
const text = [...sources('src'), ...sources('native')].join('\n');
const REGISTRY = readFileSync(join(REPO_ROOT, 'src/errors/codes.ts'), 'utf8');

describe('the error-code registry', () => {
  it('gives every code a sysexits status, a surface and a meaning', () => {
    const statuses = new Set<number>(Object.values(EXIT));
    for (const [code, info] of [...Object.entries(CODES), ...Object.entries(ERRNO_CODES)]) {
      assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      assert.ok(statuses.has(info.exit), `${code}: exit ${info.exit}`);
      assert.ok(info.where.length > 0, code);
      assert.ok(info.meaning.length > 10, code);
    }
  });

  it('holds every code-like string of src/ and native/, and nothing they do not use', () => {
    const found = new Set([...text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)].map((m) => m[1] ?? ''));
    const unregistered = [...found].filter((c) => !registered.has(c) && !NOT_CODES.has(c));
    assert.deepEqual(unregistered, [], 'register these codes in src/errors/codes.ts');
    const outside = text.replace(REGISTRY, '');
    const unused = Object.keys(CODES).filter((c) => !outside.includes(`'${c}'`));
    assert.deepEqual(unused, [], 'registered but never reported');
  });

  it('maps codes to sysexits statuses, errno names included; anything else exits 1', () => {
    const exit = (code: string) => exitCodeFor(new AuditRelayError(externalCode(code), 'x'));
    assert.equal(exit('USAGE_TYPE'), 64);
    assert.equal(exit('EVENT_TOO_LARGE'), 65);
    assert.equal(exit('VERIFY_RECORDS_MISSING'), 65);
    assert.equal(exit('DAEMON_UNREACHABLE'), 69);
    assert.equal(exit('APPLY_WRITE_FAILED'), 74);
    assert.equal(exit('APPLY_RESTART_FAILED'), 74, 'exited 1 under the old pattern table');
    assert.equal(exit('PEER_NO_FD'), 70, 'exited 1 under the old pattern table');
    assert.equal(exit('EMITTER_CRASHED'), 70, 'exited 1 under the old pattern table');
    assert.equal(exit('POLICY_DENIED'), 77);
    assert.equal(exit('CONFIG_INVALID'), 78);
    assert.equal(exitCodeFor(new SyscallError('audit_log_user_message', 1)), 77);
    assert.equal(exitCodeFor(new SyscallError('audit_log_user_message', 111)), 69);
    assert.equal(exitCodeFor(new SyscallError('audit_log_user_message', 22)), 1);
    assert.equal(exit('SOME_NEWER_DAEMON_CODE'), 1);
    assert.equal(exitCodeFor(Object.assign(new Error('x'), { code: 'ENOENT' })), 1, 'not one of ours');
  });

  it('is what docs/error-codes.md and the reply codes of docs/protocol.md say (run `npm run evidence`)', () => {
    assert.equal(readFileSync(join(REPO_ROOT, 'docs/error-codes.md'), 'utf8'), errorReference());
    const protocol = readFileSync(join(REPO_ROOT, 'docs/protocol.md'), 'utf8');
    assert.equal(protocol, withReplyCodes(protocol));
  });
});
