/**
 * The sender's identity is what the kernel recorded at connect(), not what /proc says later: groups
 * dropped after connect() still count (SO_PEERGROUPS), and a peer whose pid another program took before
 * we accepted is not named after that program (SO_PEERPIDFD). The test holds the accept back by
 * blocking the event loop on a FIFO until the client has changed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sender } from '../../src/audit/record.js';
import { identifySender } from '../../src/daemon/sender.js';
import { socketFd } from '../../src/socket-fd.js';
import { REPO_ROOT } from '../harness/exec.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

const CLIENT = join(REPO_ROOT, 'test/harness/peer_client.py');
const skip = process.getuid?.() === 0 ? false : 'needs root (setgroups, ns_last_pid)';

describe('peer identity', { skip }, () => {
  let dir: string;
  let server: Server;
  let path: string;
  const started: number[] = [];
  before(async () => {
    dir = makeTempDir('auditrelay-peer-');
    path = join(dir, 'peer.sock');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });
  after(() => {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    server?.close();
    removeTempDir(dir);
  });

  /** Runs the client, blocks until it has changed, then identifies the connection it made. */
  async function identifyAfter(mode: 'groups' | 'reuse'): Promise<{ peer: Sender; told: string }> {
    const fifo = join(dir, `${mode}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const child = spawn('python3', [CLIENT, path, fifo, mode], { stdio: 'ignore' });
    if (child.pid !== undefined) started.push(child.pid);
    const told = readFileSync(fifo, 'utf8'); // blocks the event loop: nothing is accepted before this
    const socket = await accepted;
    const peer = identifySender(socketFd(socket));
    socket.destroy();
    return { peer, told };
  }

  it('takes the groups of connect() time, not those the process has by the time we accept', async () => {
    const { peer, told } = await identifyAfter('groups');
    assert.equal(peer.pid, Number(told));
    assert.ok(peer.gids.includes(4242) && peer.gids.includes(4343), `groups ${peer.gids.join(',')}`);
    assert.match(peer.exe ?? '', /python3/, `a live peer is named by its program: ${JSON.stringify(peer)}`);
  });

  it('does not name a peer after the program that took its pid before we accepted', async () => {
    const { peer, told } = await identifyAfter('reuse');
    const [pid, sleeper] = told.split(' ').map(Number);
    if (sleeper !== undefined && sleeper > 0) started.push(sleeper);
    assert.ok(sleeper === pid, `the pid was reused by sleep (told "${told}")`);
    assert.equal(peer.pid, pid);
    assert.equal(peer.exe, undefined, `named after ${peer.exe}`);
    assert.equal(peer.comm, undefined, `named after ${peer.comm}`);
  });
});
