/**
 * What a killed run left: only what carries our names is removed, a temp dir in use or with a mount in
 * it is left; a root process carrying a run's marker is stopped by its PID, any other is only named.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLeftovers, type MachineView } from '../../harness/leftovers.js';

const CLEAN: MachineView = {
  rules: 'No rules\n',
  netns: '',
  links: '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n',
  routes: 'default via 172.17.0.1 dev eth0\n',
  tempDirs: [],
  strangers: [],
  mountPoints: ['/', '/proc', '/tmp'],
  binfmt: ['register', 'status', 'python3.11'],
  processes: new Map(),
  auditdPid: 0,
};

describe('leftovers of a killed run', () => {
  it('finds nothing on a clean machine', () => {
    assert.deepEqual(findLeftovers(CLEAN), []);
  });

  it('removes the load rule by its key, our veths, then namespaces, the guard route and binfmt handlers, nothing else', () => {
    const found = findLeftovers({
      ...CLEAN,
      rules: [
        '-a always,exit -F arch=b64 -S getpriority -F a1>=0x10000000 -F key=auditrelay-load',
        '-w /etc/shadow -p wa -k identity',
        '-a always,exit -F arch=b64 -S execve -F key=auditrelay-load',
      ].join('\n'),
      netns: 'auditrelay64 (id: 0)\nauditrelayX\ncustomer-ns\nauditrelay7\n',
      links: [
        '5: arh64@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500',
        '6: arhx@if5: <BROADCAST> mtu 1500',
        '7: eth0@if8: <BROADCAST> mtu 1500',
      ].join('\n'),
      routes: 'default via 172.17.0.1 dev eth0\nunreachable 10.200.0.0/16 \nunreachable 10.201.0.0/16\n',
      binfmt: [...CLEAN.binfmt, 'auditrelay-aarch64-812', 'auditrelay-aarch64-x; rm -rf /', 'qemu-aarch64'],
    });
    assert.deepEqual(
      found.map((leftover) => leftover.remove),
      [
        ['auditctl', '-D', '-k', 'auditrelay-load'],
        ['ip', 'link', 'del', 'arh64'],
        ['ip', 'netns', 'del', 'auditrelay64'],
        ['ip', 'netns', 'del', 'auditrelay7'],
        ['ip', 'route', 'del', 'unreachable', '10.200.0.0/16'],
        ['sh', '-c', 'echo -1 > /proc/sys/fs/binfmt_misc/auditrelay-aarch64-812'],
      ],
    );
  });

  it('leaves a temp dir with a mount in it or one a process it does not stop names', () => {
    const found = findLeftovers({
      ...CLEAN,
      tempDirs: ['/tmp/auditrelay-lab-a', '/var/tmp/auditrelay-scratch-b', '/tmp/auditrelay-kdc-c'],
      mountPoints: [...CLEAN.mountPoints, '/var/tmp/auditrelay-scratch-b/merged', '/tmp/auditrelay-lab-ab'],
      processes: new Map([
        [4242, { cmdline: 'vim /tmp/auditrelay-kdc-c/kdc.conf', uid: 0, marked: false, start: 7 }],
      ]),
    });
    assert.deepEqual(
      found.map((leftover) => [leftover.dir, leftover.remove, leftover.stop, leftover.what]),
      [
        [
          undefined,
          undefined,
          undefined,
          'process 4242 (names our temp dirs; not stopped): vim /tmp/auditrelay-kdc-c/kdc.conf',
        ],
        ['/tmp/auditrelay-lab-a', undefined, undefined, 'temp dir /tmp/auditrelay-lab-a'],
        [
          undefined,
          undefined,
          undefined,
          'temp dir /var/tmp/auditrelay-scratch-b (left: something is mounted in it)',
        ],
        [undefined, undefined, undefined, 'temp dir /tmp/auditrelay-kdc-c (left: a process above names it)'],
      ],
    );
  });

  it("stops a root process of a gone run by its PID — the auditd that owns kernel audit too — and only names another user's", () => {
    const found = findLeftovers({
      ...CLEAN,
      tempDirs: ['/tmp/auditrelay-kdc-c'],
      processes: new Map([
        [321, { cmdline: 'auditd -n', uid: 0, marked: true, start: 7 }],
        [4242, { cmdline: 'krb5kdc -n /tmp/auditrelay-kdc-c/kdc.conf', uid: 0, marked: true, start: 7 }],
        [5000, { cmdline: 'sleep 1000', uid: 1000, marked: true, start: 7 }],
      ]),
      auditdPid: 321,
    });
    assert.deepEqual(
      found.map((leftover) => [leftover.stop, leftover.dir, leftover.what]),
      [
        [321, undefined, 'process 321 of a run that is gone: auditd -n'],
        [4242, undefined, 'process 4242 of a run that is gone: krb5kdc -n /tmp/auditrelay-kdc-c/kdc.conf'],
        [
          undefined,
          undefined,
          'process 5000 (carries AUDITRELAY_TEST_RUN but is uid 1000; not stopped): sleep 1000',
        ],
        [undefined, '/tmp/auditrelay-kdc-c', 'temp dir /tmp/auditrelay-kdc-c'],
      ],
    );
  });

  it('names an auditd that owns kernel audit and does not stop it', () => {
    const found = findLeftovers({ ...CLEAN, auditdPid: 321 });
    assert.equal(found.length, 1);
    assert.equal(found[0]?.remove, undefined);
    assert.match(found[0]?.what ?? '', /auditd \(pid 321\) owns kernel audit \(not stopped\)/);
  });
  it('names, never removes, a name of ours another user made or a link', () => {
    const found = findLeftovers({ ...CLEAN, strangers: ['/tmp/auditrelay-lab-x'] });
    assert.deepEqual(
      found.map((leftover) => [leftover.dir, leftover.remove, leftover.what]),
      [[undefined, undefined, "/tmp/auditrelay-lab-x (not root's, or a link: left)"]],
    );
  });
});
