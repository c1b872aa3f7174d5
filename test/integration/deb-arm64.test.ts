/**
 * The arm64 package (`npm run deb -- --arch arm64`), for the i.MX8-class boards the devices are built on,
 * tested on this amd64 machine: built by cross-compiling (trixie-modules.ts), checked as amd64's is
 * (aarch64 objects only, lintian, no link outside the package, reproducible), then installed and run in a
 * throwaway overlay of the cached arm64 trixie root under qemu-user (binfmt_misc registered for each
 * command only, emulation.ts; CPU cortex-a53): apt-get resolves its arm64 dependencies from the registry,
 * the program runs, `emit --direct` and the packaged daemon's socket path put records into the host's
 * kernel audit (captured by a private auditd on the host: qemu-user carries NETLINK_AUDIT requests), an
 * upgrade keeps an edited conffile, purge leaves nothing.
 *
 * What qemu-user cannot run is skipped, each with its reason (below); on amd64 those run in
 * deb-systemd.test.ts and the lab suites.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findByNonce, nonce } from '../harness/ausearch.js';
import { type CapturingAuditd, startCapturingAuditd } from '../harness/capturing-auditd.js';
import { whyNoDebian13Root } from '../harness/debian13-root.js';
import { whyNoArm64Emulation } from '../harness/emulation.js';
import { run } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';
import { inScratchRoot } from '../harness/throwaway-root.js';
import { buildDeb } from '../packaging/deb.js';
import {
  assertInstalledAndPurged,
  assertLintClean,
  assertUpgradeKept,
  installScript,
  linksOutside,
  marks,
  UPGRADE_SCRIPT,
} from '../packaging/deb-checks.js';

const skip = whyNoArm64Emulation() ?? whyNoDebian13Root() ?? (await whyNoKernelAudit());

/** What qemu-user cannot do, found on this machine (qemu 7.2; 10.0 the same): the skips' reasons. */
export const UNDER_QEMU = {
  auditd:
    'qemu-user rejects the kernel audit replies (EINVAL): arm64 auditd cannot start, auditctl -s and the kernel part of `status` fail',
  systemd: 'arm64 systemd boots under systemd-nspawn with qemu-user but starts no service',
  exe: "a client's /proc/PID/exe is qemu's binary, so sender_program names qemu, not the client",
} as const;

/** Machine number of an ELF file (e_machine), or undefined for anything else. */
function elfMachine(path: string): number | undefined {
  const head = readFileSync(path).subarray(0, 20);
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return head.readUInt16LE(18);
}
const EM_AARCH64 = 183;

describe('the Debian 13 arm64 package', { skip }, () => {
  let dir: string;
  let deb: string;
  let auditd: CapturingAuditd;
  before(async () => {
    dir = makeTempDir('auditrelay-deb-arm64-', 0o755);
    deb = join(dir, 'first.deb');
    copyFileSync(buildDeb('arm64'), deb);
    copyFileSync(buildDeb('arm64'), join(dir, 'second.deb'));
    auditd = await startCapturingAuditd();
  });
  after(async () => {
    await auditd?.stop();
    removeTempDir(dir);
  });

  it('arm64: says arm64 and holds aarch64 objects only', async () => {
    const control = await run('dpkg-deb', ['-f', deb, 'Architecture', 'Depends']);
    assert.match(control.stdout, /^Architecture: arm64$/m);
    const tree = join(dir, 'tree');
    assert.equal((await run('dpkg-deb', ['-x', deb, tree])).code, 0);
    const files = (await run('find', [tree, '-type', 'f'])).stdout.split('\n').filter((f) => f !== '');
    const elves = files.flatMap((f) => {
      const machine = elfMachine(f);
      return machine === undefined ? [] : [[f.slice(tree.length), machine] as const];
    });
    assert.ok(elves.length >= 2, `the kerberos addon and koffi's library (${elves.length})`);
    assert.deepEqual(
      elves.filter(([, m]) => m !== EM_AARCH64),
      [],
      'every shared object is aarch64',
    );
    assert.ok(elves.some(([f]) => f.endsWith('/koffi-linux-arm64/linux_arm64/koffi.node')));
    assert.ok(!files.some((f) => f.includes('musl_arm64') || f.includes('koffi-linux-x64')));
    const notStripped = (
      await run(
        'file',
        elves.map(([f]) => join(tree, f)),
      )
    ).stdout
      .split('\n')
      .filter((l) => l !== '' && !l.includes(', stripped'));
    assert.deepEqual(notStripped, [], 'stripped with the target binutils');
  });

  it('arm64: trixie lintian reports no error', () => {
    assertLintClean(deb);
  });

  it('arm64: holds no link to a path of the build machine', async () => {
    assert.deepEqual(await linksOutside(deb), []);
  });

  it('arm64: two builds of one commit are the same bytes', () => {
    assert.ok(readFileSync(deb).equals(readFileSync(join(dir, 'second.deb'))));
  });

  it('arm64: installs under qemu from the registry, runs, emits into the host kernel directly and through its daemon, purges without a trace', async () => {
    const direct = nonce();
    const viaSocket = nonce();
    writeFileSync(
      join(dir, 'daemon.toml'),
      [
        '[daemon]',
        'socket = "/run/auditrelay/test.sock"',
        'heartbeat_interval = "0s"',
        '[[clients]]',
        'name = "test"',
        'uids = [0]',
        'types = ["USYS_CONFIG"]',
        '',
      ].join('\n'),
    );
    const middle = [
      'uname -m | sed "s/^/MACHINE=/"',
      `auditrelay emit --direct --type USYS_CONFIG --op arm64-direct nonce=${direct} >/tmp/emit.log 2>&1; echo "DIRECT=$?"`,
      'mkdir -p -m 0755 /run/auditrelay',
      'AUDITRELAY_KERNEL_LOST_AT_START=0 auditrelay run --config /opt/out/daemon.toml >/tmp/daemon.log 2>&1 & d=$!',
      'i=0; while [ ! -S /run/auditrelay/test.sock ] && [ $i -lt 240 ]; do sleep 0.5; i=$((i+1)); done',
      `auditrelay emit --socket /run/auditrelay/test.sock --type USYS_CONFIG --op arm64-socket nonce=${viaSocket} >>/tmp/emit.log 2>&1; echo "SOCKET=$?"`,
      'kill -TERM $d; wait $d; echo "DAEMON=$?"',
      'cat /tmp/emit.log /tmp/daemon.log | sed "s/^/LOG: /"',
    ];
    const { code, output } = inScratchRoot(dir, installScript(deb, middle), 'arm64');
    assertInstalledAndPurged(code, output);
    const m = marks(output);
    assert.equal(m.get('MACHINE'), 'aarch64', 'it ran as arm64');
    assert.equal(m.get('DIRECT'), '0', output);
    assert.equal(m.get('SOCKET'), '0', output);
    assert.equal(m.get('DAEMON'), '0', 'the daemon stopped cleanly on SIGTERM');
    const record = await findByNonce(auditd.log, direct);
    assert.equal(record.type, 'USYS_CONFIG');
    assert.equal(record.interpreted.get('op'), 'arm64-direct');
    const relayed = await findByNonce(auditd.log, viaSocket);
    assert.equal(relayed.interpreted.get('op'), 'arm64-socket');
    assert.match(relayed.rawLine, /ar_run="[0-9a-f]+" ar_seq="1"/, 'numbered by the packaged daemon');
  });

  it('arm64: an upgrade to the same version, built again, keeps an edited conffile', () => {
    mkdirSync(join(dir, 'upgrade'));
    copyFileSync(deb, join(dir, 'upgrade', 'first.deb'));
    copyFileSync(join(dir, 'second.deb'), join(dir, 'upgrade', 'second.deb'));
    const { code, output } = inScratchRoot(join(dir, 'upgrade'), UPGRADE_SCRIPT, 'arm64');
    assertUpgradeKept(code, output);
  });

  it('arm64: auditd and the kernel part of status', { skip: UNDER_QEMU.auditd }, () => {});
  it('arm64: the packaged units under systemd', { skip: UNDER_QEMU.systemd }, () => {});
  it('arm64: the record names the sending program (sender_program)', { skip: UNDER_QEMU.exe }, () => {});
});
