/**
 * The units as systemd itself judges them, offline: `systemd-analyze verify` passes and
 * `systemd-analyze security --offline=true` rates auditrelay.service at exposure <= 2.0 ("OK"): the relay
 * needs the network (0.8 without it), the tap CAP_AUDIT_READ.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { REPO_ROOT, run } from '../harness/exec.js';
import { unitNodeFlags } from '../harness/unit-flags.js';

const UNITS = [
  'auditrelay.socket',
  'auditrelay-relay.socket',
  'auditrelay.service',
  'auditrelay-apply.service',
  'auditrelay-repair.path',
  'auditrelay-repair.service',
  'collector/auditrelay-verify.service',
  'collector/auditrelay-verify.timer',
].map((u) => `${REPO_ROOT}systemd/${u}`);
const skip = existsSync('/usr/bin/systemd-analyze') ? undefined : 'systemd-analyze is not installed';

describe('systemd units', { skip }, () => {
  it('pass systemd-analyze verify', async () => {
    const result = await run('systemd-analyze', ['verify', ...UNITS]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'no warnings');
  });

  it("run the collector's verify from a timer, reading only what is new, bounded in time", async () => {
    const { readFileSync } = await import('node:fs');
    const unit = readFileSync(`${REPO_ROOT}systemd/collector/auditrelay-verify.service`, 'utf8');
    assert.match(
      unit,
      /^ExecStart=.* verify --state \/var\/lib\/auditrelay-verify\/verify\.state \/var\/log\/audit$/m,
    );
    assert.match(unit, /^StateDirectory=auditrelay-verify$/m);
    assert.match(unit, /^TimeoutStartSec=\d+min$/m);
    assert.match(
      readFileSync(`${REPO_ROOT}systemd/collector/auditrelay-verify.timer`, 'utf8'),
      /^OnUnitActiveSec=/m,
    );
  });

  it('score at most 2.0 ("OK") in systemd-analyze security: the network is all the relay adds', async (t) => {
    const result = await run('systemd-analyze', [
      'security',
      '--offline=true',
      `${REPO_ROOT}systemd/auditrelay.service`,
    ]);
    const line = /Overall exposure level for auditrelay.service: ([0-9.]+) (\w+)/.exec(result.stdout);
    assert.ok(line !== null, result.stdout + result.stderr);
    t.diagnostic(`systemd-analyze security: exposure ${line[1]} ${line[2]}`);
    assert.ok(Number(line[1]) <= 2.0);
  });

  it('hold only CAP_AUDIT_WRITE, CAP_AUDIT_READ and CAP_NET_BIND_SERVICE, a memory backstop, and keep what breaks audit off', async () => {
    const { readFileSync } = await import('node:fs');
    const unit = readFileSync(`${REPO_ROOT}systemd/auditrelay.service`, 'utf8');
    assert.match(unit, /^AmbientCapabilities=CAP_AUDIT_WRITE CAP_AUDIT_READ CAP_NET_BIND_SERVICE$/m);
    assert.match(unit, /^CapabilityBoundingSet=CAP_AUDIT_WRITE CAP_AUDIT_READ CAP_NET_BIND_SERVICE$/m);
    assert.match(unit, /^MemoryMax=\d+M$/m);
    assert.match(unit, /^OOMScoreAdjust=[1-9]\d*$/m, 'the OOM killer takes us before auditd');
    assert.match(unit, /^Sockets=auditrelay.socket auditrelay-relay.socket$/m);
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, /^RestartPreventExitStatus=78$/m);
    assert.doesNotMatch(unit, /^PrivateUsers=/m);
    assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=/m);
  });

  it('pass node options this Node accepts (an unknown one would stop the daemon from starting)', async () => {
    const flags = unitNodeFlags();
    assert.ok(flags.includes('--max-semi-space-size=4'), flags.join(' '));
    const result = await run(process.execPath, [...flags, '-e', 'process.stdout.write("ok")']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'no warning either');
    assert.equal(result.stdout, 'ok');
  });
});
