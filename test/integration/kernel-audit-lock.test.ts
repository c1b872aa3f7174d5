/**
 * One run at a time owns kernel audit (scripts/with-kernel-audit.sh): a second run waits, bounded, naming
 * who holds the lock — a process a run left behind included — and gives up with exit 75. What a killed run
 * left is then removed (test/harness/leftovers.ts), here on a machine of its own: a mount namespace with
 * its own /tmp, /var/tmp and /run/netns, and a network namespace; only the audit rule is the kernel's. A
 * process of a run that is gone is stopped; this run's own (it carries this run's marker) never are.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, run, stopChild, waitFor } from '../harness/exec.js';
import { LOAD_RULE } from '../harness/load.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const WRAPPER = `${REPO_ROOT}scripts/with-kernel-audit.sh`;
const isRoot = process.getuid?.() === 0;

describe('the kernel-audit lock', () => {
  const dir = makeTempDir('auditrelay-lock-');
  const lock = join(dir, 'lock');
  const env = { ...process.env, AUDITRELAY_LOCK: lock, AUDITRELAY_LOCK_WAIT_S: '1' };
  after(() => removeTempDir(dir));

  it('makes a second run wait, name the holder, and give up with 75; runs it once the holder is gone', async () => {
    const holder = spawn('bash', [WRAPPER, 'sleep', '60'], { env, stdio: 'ignore' });
    try {
      await waitFor(
        () => (existsSync(lock) && readFileSync(lock, 'utf8').includes('sleep 60') ? true : undefined),
        10_000,
        'the holder to take the lock',
      );
      const second = await run('bash', [WRAPPER, 'echo', 'ran'], { env });
      assert.equal(second.code, 75, second.stderr);
      assert.equal(second.stdout, '');
      assert.match(second.stderr, new RegExp(`processes holding it: ${holder.pid} \\(sleep 60 \\)`));
      assert.match(second.stderr, /gave up after 1 s/);
    } finally {
      await stopChild(holder);
    }
    const third = await run('bash', [WRAPPER, 'echo', 'ran'], { env });
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout, 'ran\n');
  });

  it('stays held by a process a run left running, and names that process', async () => {
    const leaving = await run('bash', [WRAPPER, 'bash', '-c', 'sleep 60 >/dev/null 2>&1 & echo $!'], { env });
    assert.equal(leaving.code, 0, leaving.stderr);
    const left = Number(leaving.stdout.trim());
    try {
      const next = await run('bash', [WRAPPER, 'true'], { env });
      assert.equal(next.code, 75, next.stderr);
      assert.match(next.stderr, new RegExp(`processes holding it: ${left} \\(sleep 60 \\)`));
    } finally {
      process.kill(left, 'SIGTERM');
    }
  });

  it('refuses to run nothing', async () => {
    const none = await run('bash', [WRAPPER], { env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: with-kernel-audit.sh COMMAND/);
  });
});

describe('leftovers of a killed run', {
  skip: !isRoot
    ? 'needs root (namespaces, audit rules)'
    : existsSync('/proc/sys/fs/binfmt_misc')
      ? undefined
      : 'the kernel has no binfmt_misc',
}, () => {
  it('are removed when they carry our names; a temp dir with a mount in it is left', async () => {
    // The repository is reached through /mnt: /tmp (where a newcomer's clone lives) is replaced below.
    // Our prefix is spelled $p: this shell's own command line must not name the dirs it makes (a process
    // naming a temp dir keeps it).
    const script = `
      set -euo pipefail
      p=auditrelay
      mount --make-rprivate /
      mount --bind "$1" /mnt
      mount -t tmpfs leftovers /tmp
      mount -t tmpfs leftovers /var/tmp
      mkdir -p /run/netns && mount -t tmpfs leftovers /run/netns
      ip netns add "$p"251
      ip netns add customer
      ip link add arh251 type veth peer name arc251
      ip route add unreachable 10.200.0.0/16
      mkdir /tmp/$p-lab-x /tmp/kept /var/tmp/$p-scratch-y /tmp/$p-user
      chown nobody /tmp/$p-user
      ln -s /etc /tmp/$p-link
      mkdir /var/tmp/$p-scratch-y/merged && mount -t tmpfs leftovers /var/tmp/$p-scratch-y/merged
      # binfmt_misc mounted here as on a host with systemd's automount; a handler by extension, harmless.
      mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
      echo ":$p-aarch64-4242:E::arleftover::/bin/true:" > /proc/sys/fs/binfmt_misc/register
      echo ":customer-handler:E::arcustomer::/bin/true:" > /proc/sys/fs/binfmt_misc/register
      auditctl -a ${LOAD_RULE.map((word) => `'${word}'`).join(' ')} >/dev/null
      # A process of a run that is gone (root, the marker of another run), and one that is not marked.
      AUDITRELAY_TEST_RUN=gone setsid sleep 300 </dev/null >/dev/null 2>&1 &
      gone=$!
      env -u AUDITRELAY_TEST_RUN sleep 301 </dev/null >/dev/null 2>&1 &
      kept=$!
      node /mnt/dist/test/harness/leftovers.js && echo "exit 0" || echo "exit $?"
      echo "gone: $(kill -0 $gone 2>/dev/null && echo alive || echo stopped)"
      echo "kept: $(kill -0 $kept 2>/dev/null && echo alive || echo stopped)"
      kill $kept
      echo "netns: $(ip netns list | tr '\\n' ' ')"
      echo "links: $(ip -o link show | cut -d: -f2 | tr -d ' ' | tr '\\n' ' ')"
      echo "routes: $(ip route show | tr '\\n' ' ')"
      echo "tmp: $(ls -d /tmp/* /var/tmp/* | tr '\\n' ' ')"
      echo "rules: $(auditctl -l | grep -c $p-load || true)"
      echo "binfmt: $(ls /proc/sys/fs/binfmt_misc | grep -v '^register$\\|^status$' | tr '\\n' ' ')"
      echo -1 > /proc/sys/fs/binfmt_misc/customer-handler
    `;
    try {
      const result = await run('unshare', ['-m', '-n', 'bash', '-c', script, 'leftovers', REPO_ROOT]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^exit 0$/m, result.stderr);
      for (const removed of [
        'audit rule with key auditrelay-load',
        'network namespace auditrelay251',
        'host veth arh251',
        'route unreachable 10.200.0.0/16',
        'temp dir /tmp/auditrelay-lab-x',
        'binfmt_misc handler auditrelay-aarch64-4242',
      ]) {
        assert.match(result.stderr, new RegExp(`^ {2}removed ${removed}$`, 'm'));
      }
      assert.match(
        result.stderr,
        /^ {2}temp dir \/var\/tmp\/auditrelay-scratch-y \(left: something is mounted in it\)$/m,
      );
      assert.match(result.stdout, /^netns: customer( \(id: \d+\))? $/m);
      assert.match(result.stdout, /^links: lo $/m);
      assert.match(result.stdout, /^routes: $/m);
      // A name of ours another user made, and a link: any user may make them; left.
      assert.match(
        result.stdout,
        /^tmp: \/tmp\/auditrelay-link \/tmp\/auditrelay-user \/tmp\/kept \/var\/tmp\/auditrelay-scratch-y $/m,
      );
      assert.match(result.stderr, /^ {2}\/tmp\/auditrelay-link \(not root's, or a link: left\)$/m);
      assert.match(result.stdout, /^rules: 0$/m);
      assert.match(result.stderr, /^ {2}stopped process \d+ of a run that is gone: sleep 300$/m);
      assert.match(result.stdout, /^gone: stopped$/m);
      assert.match(result.stdout, /^kept: alive$/m);
      // Where the host has binfmt_misc mounted, its own handlers are listed too: ours gone, the other kept.
      const binfmt = /^binfmt: (.*)$/m.exec(result.stdout)?.[1]?.split(' ') ?? [];
      assert.ok(binfmt.includes('customer-handler'), result.stdout);
      assert.ok(!binfmt.some((name) => name.startsWith('auditrelay-')), result.stdout);
    } finally {
      await run('auditctl', ['-d', ...LOAD_RULE]);
    }
  });
});
