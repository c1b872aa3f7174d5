/**
 * The daemon's admission of connections (clients.ts, admission.ts) over a real Unix socket, with the peer
 * identity injected: the global and per-uid caps, the file-descriptor headroom, a refusal answered once
 * with CONNECTION_LIMIT and counted, logged once per interval, and a closed connection giving its place back.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import type { Sender } from '../../../src/audit/record.js';
import type { Config } from '../../../src/config/schema.js';
import { Admission, FD_HEADROOM, openFileLimit } from '../../../src/daemon/admission.js';
import { Clients } from '../../../src/daemon/clients.js';
import type { Logger } from '../../../src/log/logger.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const DAEMON = {
  max_line_bytes: 1024,
  max_in_flight: 4,
  idle_timeout: 60_000,
  max_connections: 3,
  max_connections_per_uid: 2,
} as Config['daemon'];

/** A real winston logger whose lines land in `lines`. */
function recordingLog(lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return winston.createLogger({
    levels: winston.config.syslog.levels,
    transports: [new winston.transports.Stream({ stream })],
  });
}

describe('connection admission', () => {
  let dir: string;
  let server: Server;
  let path: string;
  let clients: Clients;
  const logged: string[] = [];
  /** The uid the next accepted connection is identified as. */
  let nextUid = 1000;
  before(async () => {
    dir = makeTempDir('auditrelay-clients-');
    path = join(dir, 's.sock');
    clients = new Clients({
      identify: (): Sender => ({ pid: 1, uid: nextUid, gid: nextUid, gids: [] }),
      handle: async () => ({ id: null, ok: true }),
      config: () => DAEMON,
      congested: () => false,
      log: recordingLog(logged),
      fdLimit: undefined,
    });
    server = createServer({ pauseOnConnect: true }, (socket) => clients.accept(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });
  after(() => {
    server.close();
    removeTempDir(dir);
  });

  /** Connects as `uid`; resolves with the socket and what the daemon wrote before closing (if it did). */
  async function open(uid: number): Promise<{ socket: Socket; refused: Promise<string> }> {
    nextUid = uid;
    const socket = connect(path);
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    const refused = new Promise<string>((resolve) => socket.on('close', () => resolve(got)));
    await new Promise((resolve) => socket.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { socket, refused };
  }

  it('caps connections per uid and in all, answering CONNECTION_LIMIT once, then gives places back', async () => {
    const a1 = await open(1000);
    const a2 = await open(1000);
    const a3 = await open(1000);
    const reply = JSON.parse(await a3.refused);
    assert.deepEqual(reply.id, null);
    assert.equal(reply.error.code, 'CONNECTION_LIMIT');
    assert.match(reply.error.message, /uid 1000 has its maximum of 2/);
    const b1 = await open(2000);
    assert.equal(clients.open, 3);
    const b2 = await open(2000);
    assert.match(JSON.parse(await b2.refused).error.message, /maximum of 3 connections/);
    assert.deepEqual(clients.counts, { accepted: 3, refused: 2, cap: 3 });
    assert.equal(logged.filter((l) => l.includes('refused')).length, 1, 'refusals logged once per interval');
    a1.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b3 = await open(2000);
    assert.equal(clients.open, 3, 'the closed connection gave its place back');
    for (const c of [a2, b1, b3]) c.socket.destroy();
  });

  it('wakes a connection paused on congestion once the queue has room, whoever filled it', async () => {
    let congested = true;
    let handled = 0;
    const other = new Clients({
      identify: (): Sender => ({ pid: 1, uid: 3000, gid: 3000, gids: [] }),
      handle: async () => {
        handled++;
        return { id: null, ok: true };
      },
      config: () => DAEMON,
      congested: () => congested,
      log: recordingLog([]),
      fdLimit: undefined,
    });
    const otherPath = join(dir, 'o.sock');
    const otherServer = createServer({ pauseOnConnect: true }, (socket) => other.accept(socket));
    await new Promise<void>((resolve) => otherServer.listen(otherPath, resolve));
    const socket = connect(otherPath);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('{"id":1,"type":"TRUSTED_APP"}\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(handled, 0, 'nothing is read while the queue is full');
    other.queueMoved();
    assert.equal(handled, 0, 'still full: nothing to wake');
    congested = false;
    other.queueMoved();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(handled, 1, 'the request was read once the queue had room');
    socket.destroy();
    otherServer.close();
  });

  it('keeps FD_HEADROOM descriptors free under the process limit', () => {
    const limits = () => ({ maxConnections: 1000, maxPerUid: 1000 });
    assert.equal(new Admission(limits, 100).cap, 100 - FD_HEADROOM);
    assert.equal(new Admission(limits, undefined).cap, 1000);
    const tight = new Admission(limits, FD_HEADROOM + 2);
    assert.equal(tight.admit(1), undefined);
    assert.equal(tight.admit(2), undefined);
    assert.equal(tight.admit(3)?.code, 'CONNECTION_LIMIT');
    tight.release(1);
    assert.equal(tight.admit(3), undefined);
  });

  it('reads the soft open-file limit from /proc/self/limits', () => {
    const text = (soft: string) =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 524288               files\n`;
    assert.equal(
      openFileLimit(() => text('1024')),
      1024,
    );
    assert.equal(
      openFileLimit(() => text('unlimited')),
      undefined,
    );
    assert.equal(typeof openFileLimit(), 'number');
  });
});
