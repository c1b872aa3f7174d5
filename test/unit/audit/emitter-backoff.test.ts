/**
 * The emitter's reopen backoff, against a fake libaudit whose audit_open() fails until told otherwise
 * (loaded through the AUDITRELAY_LIBAUDIT override): while backing off, records fail at once with the open
 * error and audit_open is not called again; after the backoff, the next record reopens and succeeds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Emitter } from '../../../src/audit/emitter.js';
import type { EmitRecord } from '../../../src/audit/record.js';
import { REPO_ROOT } from '../../harness/exec.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const skip = existsSync('/usr/bin/cc') || existsSync('/usr/bin/gcc') ? undefined : 'no C compiler';
const record: EmitRecord = { kind: 'user', type: 1121, message: 'x="1"', addr: null, success: true };

describe('emitter reopen backoff', { skip }, () => {
  const dir = makeTempDir('auditrelay-fake-libaudit-');
  const calls = join(dir, 'calls');
  const ready = join(dir, 'ready');
  const hang = join(dir, 'hang');
  const saved = { ...process.env };
  before(() => {
    execFileSync('cc', [
      '-shared',
      '-fPIC',
      '-o',
      join(dir, 'libaudit.so.1'),
      `${REPO_ROOT}test/fixtures/c/fake-libaudit.c`,
    ]);
    Object.assign(process.env, {
      AUDITRELAY_LIBAUDIT: join(dir, 'libaudit.so.1'),
      FAKE_AUDIT_CALLS: calls,
      FAKE_AUDIT_READY: ready,
      FAKE_AUDIT_HANG: hang,
    });
  });
  after(() => {
    for (const key of ['AUDITRELAY_LIBAUDIT', 'FAKE_AUDIT_CALLS', 'FAKE_AUDIT_READY', 'FAKE_AUDIT_HANG']) {
      if (saved[key] === undefined) delete process.env[key];
    }
    removeTempDir(dir);
  });

  const opens = () =>
    existsSync(calls)
      ? readFileSync(calls, 'utf8')
          .split('\n')
          .filter((l) => l === 'open').length
      : 0;

  it('fails fast while backing off, then reopens and succeeds', async () => {
    const emitter = new Emitter();
    try {
      const first = await emitter.emit(record);
      assert.deepEqual([first.ok, first.ok ? '' : first.code], [false, 'EPROTONOSUPPORT']);
      assert.equal(opens(), 1);
      const second = await emitter.emit(record);
      assert.deepEqual(
        [second.ok, second.ok ? '' : second.code],
        [false, 'EPROTONOSUPPORT'],
        'never a false ack',
      );
      assert.equal(opens(), 1, 'no new attempt inside the backoff window');
      writeFileSync(ready, '');
      await new Promise((resolve) => setTimeout(resolve, 150));
      const third = await emitter.emit(record);
      assert.deepEqual(third, { ok: true, seq: 1 }, 'the refused records took no number');
      assert.equal(opens(), 2, 'one reopen after the backoff');
      assert.equal(emitter.fdOpen, true);
    } finally {
      await emitter.close();
    }
  });

  it('shows the stall and stops within its deadline when a libaudit call hangs, acking nothing it held', async () => {
    writeFileSync(ready, '');
    writeFileSync(hang, '');
    const emitter = new Emitter();
    try {
      const outcomes = [emitter.emit(record), emitter.emit(record)];
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(emitter.stalledMs() >= 250, `stalled for ${emitter.stalledMs()} ms`);
      const started = performance.now();
      await emitter.close(200);
      const took = performance.now() - started;
      assert.ok(took < 2000, `close returned after ${Math.round(took)} ms, not when the call returned`);
      for (const outcome of await Promise.all(outcomes)) {
        assert.deepEqual([outcome.ok, outcome.ok ? '' : outcome.code], [false, 'EMITTER_STOPPED']);
      }
    } finally {
      rmSync(hang, { force: true });
    }
  });
});
