/**
 * `npm run demo -- --keep`: the demo runs, leaves the lab up with working instructions, and on Ctrl-C
 * tears everything down — kernel audit state restored, namespace gone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { REPO_ROOT, run, waitFor } from '../harness/exec.js';
import { kernelStatus, whyNoKernelAudit } from '../harness/kernel-audit.js';

const skip = await whyNoKernelAudit();

describe('the demo', { skip }, () => {
  it('keeps the lab running with instructions that work, and cleans up on Ctrl-C', async () => {
    const before = await kernelStatus();
    const demo = spawn(process.execPath, [`${REPO_ROOT}dist/test/demo/demo.js`, '--keep'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    try {
      await waitFor(
        () => (out.includes('the lab keeps running') ? true : undefined),
        120_000,
        'the demo to settle',
      );
      assert.match(out, /encrypted: yes/);
      assert.match(out, /write_logs = no/);
      assert.match(out, /records re-sent by the daemon/);
      assert.match(out, /^ {2}nothing missing$/m, 'verify at the collector after the outage');
      assert.match(out, /^ {2}exit 0: nothing missing$/m);
      const emit = /^ {2}(node \S+ emit --socket \S+ .*)$/m.exec(out)?.[1];
      assert.ok(emit !== undefined, out);
      const [, cli, ...args] = emit.split(' ');
      const sent = await run(process.execPath, [cli ?? '', ...args]);
      assert.equal(sent.code, 0, sent.stderr);
    } finally {
      demo.kill('SIGINT');
    }
    assert.equal(await exited, 0, out);
    assert.match(out, /the machine is as it was/);
    const after = await kernelStatus();
    assert.equal(after['enabled'], before['enabled']);
    assert.equal(after['pid'], '0');
    assert.doesNotMatch((await run('ip', ['netns', 'list'])).stdout, /auditrelay/);
  });
});
