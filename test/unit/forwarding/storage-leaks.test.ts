import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findStorageLeaks } from '../../../src/forwarding/storage-leaks.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

describe('local storage leaks', () => {
  it('reports write_logs, a queue file and an unmasked journald audit socket; nothing when all are closed', () => {
    const root = makeTempDir('auditrelay-leaks-');
    try {
      mkdirSync(join(root, 'lib/systemd/system'), { recursive: true });
      writeFileSync(join(root, 'lib/systemd/system/systemd-journald-audit.socket'), '[Socket]\n');
      const codes = (auditd?: string, remote?: string) =>
        findStorageLeaks(root, auditd, remote).map((l) => l.code);
      assert.deepEqual(codes('write_logs = yes\n', 'mode = forward\n'), [
        'LEAK_WRITE_LOGS',
        'LEAK_QUEUE_FILE',
        'LEAK_JOURNALD_AUDIT',
      ]);
      assert.deepEqual(
        codes('local_events = yes\n', 'mode = immediate\n'),
        ['LEAK_WRITE_LOGS', 'LEAK_JOURNALD_AUDIT'],
        'write_logs defaults to yes',
      );
      mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
      symlinkSync('/dev/null', join(root, 'etc/systemd/system/systemd-journald-audit.socket'));
      assert.deepEqual(codes('write_logs = no\n', 'mode = immediate\n'), []);
      assert.deepEqual(
        codes('write_logs = no\nWrite_Logs = yes\n', 'MODE = forward\n'),
        ['LEAK_WRITE_LOGS', 'LEAK_QUEUE_FILE'],
        'a later line in another letter case overrides, as in auditd',
      );
    } finally {
      removeTempDir(root);
    }
  });
});
