import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dpkgAuditdVersion, parseAuditctlVersion } from '../../../src/forwarding/installed-audit.js';
import { forwardingProcesses, parseStat } from '../../../src/forwarding/processes.js';

describe('installed audit and processes', () => {
  it('reads the audit version from auditctl and from dpkg', () => {
    assert.equal(parseAuditctlVersion('auditctl version 3.0.9\n'), '3.0.9');
    const status =
      'Package: libaudit1\nStatus: install ok installed\nVersion: 1:3.0.9-1\n\nPackage: auditd\nStatus: install ok installed\nVersion: 1:3.0.9-1\n';
    assert.equal(dpkgAuditdVersion(status), '3.0.9');
    assert.equal(
      dpkgAuditdVersion('Package: auditd\nStatus: deinstall ok config-files\nVersion: 1:3.0.9-1\n'),
      undefined,
    );
  });

  it('parses /proc stat lines whose comm holds spaces and parentheses', () => {
    const line = '42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10';
    assert.deepEqual(parseStat(line), { pid: 42, comm: 'a (b) c', ppid: 7, start: 987654 });
  });

  it('picks the auditd that runs audisp-remote', () => {
    const processes = [
      { pid: 10, ppid: 1, comm: 'auditd', start: 1 },
      { pid: 20, ppid: 1, comm: 'auditd', start: 2 },
      { pid: 21, ppid: 20, comm: 'audisp-remote', start: 3 },
    ];
    assert.deepEqual(forwardingProcesses(processes), { auditd: 20, audispRemote: 21 });
    assert.deepEqual(forwardingProcesses(processes, 10), { auditd: 10, audispRemote: undefined });
  });
});
