/**
 * Who counts as auditd and audisp-remote, against a hand-made /proc: only root-owned processes running
 * those programs, audisp-remote only as that auditd's child, a connection only on audisp-remote's own
 * socket. A local user's look-alike (named so, with a child named so, and a connected socket) fools
 * nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  connectedToPort,
  forwardingProcesses,
  listProcesses,
  parseRootOwned,
} from '../../../src/forwarding/processes.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

interface Fake {
  pid: number;
  ppid: number;
  comm: string;
  uid: number;
  exe?: string;
  sockets?: string[];
}

function fakeProc(processes: readonly Fake[], tcp = ''): string {
  const proc = makeTempDir('auditrelay-proc-');
  for (const p of processes) {
    const dir = join(proc, String(p.pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    mkdirSync(join(dir, 'net'));
    writeFileSync(join(dir, 'stat'), `${p.pid} (${p.comm}) S ${p.ppid} ${'0 '.repeat(17)}4242 0 0`);
    writeFileSync(join(dir, 'status'), `Name:\t${p.comm}\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\n`);
    if (p.exe !== undefined) symlinkSync(p.exe, join(dir, 'exe'));
    for (const [i, inode] of (p.sockets ?? []).entries())
      symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(i + 3)));
    writeFileSync(join(dir, 'net', 'tcp'), tcp);
  }
  return proc;
}

const TCP_HEAD =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** One ESTABLISHED connection to 127.0.0.1:61 (0x3D), socket inode `inode`. */
const established = (inode: string) =>
  `   0: 0100007F:9C40 0100007F:003D 01 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 20 4 30 10 -1\n`;

describe('forwarding processes', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) removeTempDir(d);
  });
  const find = (processes: readonly Fake[], auditdPid?: number) => {
    const proc = fakeProc(processes);
    dirs.push(proc);
    return forwardingProcesses(listProcesses(proc), auditdPid, proc);
  };

  it('reads a process as root-owned only when all four uids are 0', () => {
    assert.equal(parseRootOwned('Uid:\t0\t0\t0\t0\n'), true);
    assert.equal(parseRootOwned('Uid:\t1000\t0\t0\t0\n'), false);
    assert.equal(parseRootOwned('Uid:\t0\t0\t0\t1000\n'), false);
    assert.equal(parseRootOwned('no uid line'), false);
  });

  it('finds root auditd and its root audisp-remote child', () => {
    const found = find([
      { pid: 10, ppid: 1, comm: 'auditd', uid: 0, exe: '/usr/sbin/auditd' },
      { pid: 11, ppid: 10, comm: 'audisp-remote', uid: 0, exe: '/usr/sbin/audisp-remote' },
    ]);
    assert.deepEqual(found, { auditd: 10, audispRemote: 11 });
  });

  it("ignores a local user's look-alikes: named auditd and audisp-remote, not root", () => {
    const found = find([
      { pid: 20, ppid: 1, comm: 'auditd', uid: 1000 },
      { pid: 21, ppid: 20, comm: 'audisp-remote', uid: 1000 },
    ]);
    assert.deepEqual(found, { auditd: undefined, audispRemote: undefined });
  });

  it('ignores a non-root child of the real auditd, and a root process named so that runs another program', () => {
    assert.deepEqual(
      find(
        [
          { pid: 10, ppid: 1, comm: 'auditd', uid: 0 },
          { pid: 31, ppid: 10, comm: 'audisp-remote', uid: 1000 },
        ],
        10,
      ),
      { auditd: 10, audispRemote: undefined },
    );
    assert.deepEqual(find([{ pid: 40, ppid: 1, comm: 'auditd', uid: 0, exe: '/usr/bin/python3.11' }]), {
      auditd: undefined,
      audispRemote: undefined,
    });
  });

  it('names no auditd that runs no audisp-remote unless the kernel names it (a collector on the same machine)', () => {
    const two = [
      { pid: 10, ppid: 1, comm: 'auditd', uid: 0 },
      { pid: 50, ppid: 1, comm: 'auditd', uid: 0 },
    ];
    assert.deepEqual(find(two), { auditd: undefined, audispRemote: undefined });
    assert.deepEqual(find(two.slice(1)), { auditd: undefined, audispRemote: undefined }, 'alone, too');
    assert.deepEqual(find([...two, { pid: 51, ppid: 50, comm: 'audisp-remote', uid: 0 }]), {
      auditd: 50,
      audispRemote: 51,
    });
    assert.deepEqual(find(two, 10), { auditd: 10, audispRemote: undefined }, 'the kernel names it');
  });

  it("counts a connection only on audisp-remote's own socket", () => {
    const proc = fakeProc(
      [
        { pid: 11, ppid: 10, comm: 'audisp-remote', uid: 0, sockets: ['777'] },
        { pid: 12, ppid: 1, comm: 'other', uid: 0, sockets: ['888'] },
      ],
      TCP_HEAD + established('888'),
    );
    dirs.push(proc);
    assert.equal(connectedToPort(11, 61, proc), false, "someone else's socket to the port");
    assert.equal(connectedToPort(12, 61, proc), true);
    assert.equal(connectedToPort(99, 61, proc), undefined, 'unreadable: cannot be told');
  });
});
