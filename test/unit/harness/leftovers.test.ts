/**
 * What a killed run left: only what carries our names is removed, a temp dir in use or with a mount in
 * it is left, and a process or another auditd is named, never stopped.
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
  mountPoints: ['/', '/proc', '/tmp'],
  binfmt: ['register', 'status', 'python3.11'],
  processes: new Map(),
  auditdPid: 0,
};

describe('leftovers of a killed run', () => {
  it('finds nothing on a clean machine', () => {
    assert.deepEqual(findLeftovers(CLEAN), []);
  });

  it('removes the load rule by its key, our namespaces, veths, the guard route and binfmt handlers, nothing else', () => {
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
        ['ip', 'netns', 'del', 'auditrelay64'],
        ['ip', 'netns', 'del', 'auditrelay7'],
        ['ip', 'link', 'del', 'arh64'],
        ['ip', 'route', 'del', 'unreachable', '10.200.0.0/16'],
        ['sh', '-c', 'echo -1 > /proc/sys/fs/binfmt_misc/auditrelay-aarch64-812'],
      ],
    );
  });

  it('leaves a temp dir with a mount in it or one a running process names, and names the process', () => {
    const found = findLeftovers({
      ...CLEAN,
      tempDirs: ['/tmp/auditrelay-lab-a', '/var/tmp/auditrelay-scratch-b', '/tmp/auditrelay-kdc-c'],
      mountPoints: [...CLEAN.mountPoints, '/var/tmp/auditrelay-scratch-b/merged', '/tmp/auditrelay-lab-ab'],
      processes: new Map([[4242, '/usr/sbin/krb5kdc -n -r LAB /tmp/auditrelay-kdc-c/kdc.conf']]),
    });
    assert.deepEqual(
      found.map((leftover) => [leftover.dir, leftover.remove, leftover.what]),
      [
        [
          undefined,
          undefined,
          'process 4242 still running from an earlier run (not stopped): /usr/sbin/krb5kdc -n -r LAB /tmp/auditrelay-kdc-c/kdc.conf',
        ],
        ['/tmp/auditrelay-lab-a', undefined, 'temp dir /tmp/auditrelay-lab-a'],
        [undefined, undefined, 'temp dir /var/tmp/auditrelay-scratch-b (left: something is mounted in it)'],
        [undefined, undefined, 'temp dir /tmp/auditrelay-kdc-c (left: a process above names it)'],
      ],
    );
  });

  it('names an auditd that owns kernel audit and does not stop it', () => {
    const found = findLeftovers({ ...CLEAN, auditdPid: 321 });
    assert.equal(found.length, 1);
    assert.equal(found[0]?.remove, undefined);
    assert.match(found[0]?.what ?? '', /auditd \(pid 321\) owns kernel audit \(not stopped\)/);
  });
});
