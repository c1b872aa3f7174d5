/**
 * Connection framing and flow control against a real Unix socket, with a fake host: one reply per
 * request in order, blank lines ignored, limits enforced per request (not per chunk), overlong lines
 * answered once, idle connections closed only when no request came — blank lines do not keep them open.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sender } from '../../../src/audit/record.js';
import {
  Connection,
  type ConnectionHost,
  type ConnectionLimits,
  LINES_PER_TURN,
  REPLY_BACKLOG_BYTES,
} from '../../../src/daemon/connection.js';
import type { Reply } from '../../../src/daemon/protocol.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const PEER: Sender = { pid: 1, uid: 1000, gid: 1000, gids: [1000] };

/** A host that answers each line with its text, holding every answer until `release()`. */
class FakeHost implements ConnectionHost {
  readonly seen: string[] = [];
  readonly #held: Array<() => void> = [];
  peakInFlight = 0;
  hold = false;
  isCongested = false;
  connection: Connection | undefined;
  closedCount = 0;
  constructor(readonly limitsValue: ConnectionLimits) {}
  handle(line: Buffer, _peer: Sender, answer: (reply: Reply) => void): void {
    const text = line.toString('utf8');
    this.seen.push(text);
    this.peakInFlight = Math.max(this.peakInFlight, this.connection?.inFlight ?? 0);
    const reply: Reply = { id: text, ok: true };
    if (this.hold) this.#held.push(() => answer(reply));
    else queueMicrotask(() => answer(reply));
  }
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
  limits(): ConnectionLimits {
    return this.limitsValue;
  }
  congested(): boolean {
    return this.isCongested;
  }
  closed(): void {
    this.closedCount++;
  }
}

const LIMITS: ConnectionLimits = { maxLineBytes: 1024, maxInFlight: 4, idleTimeoutMs: 60_000 };
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

describe('connection', () => {
  let dir: string;
  let server: Server;
  let path: string;
  let next: ((socket: Socket) => void) | undefined;
  before(async () => {
    dir = makeTempDir('auditrelay-conn-');
    path = join(dir, 's.sock');
    server = createServer({ pauseOnConnect: true }, (socket) => next?.(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });
  after(() => {
    server.close();
    removeTempDir(dir);
  });

  /** Connects a client and wraps the accepted side in a Connection with `host`. */
  async function open(host: FakeHost): Promise<{ client: Socket; replies: () => string[] }> {
    const accepted = new Promise<Socket>((resolve) => (next = resolve));
    const client = connect(path);
    let received = '';
    client.on('data', (d: Buffer) => (received += d.toString()));
    const socket = await accepted;
    host.connection = new Connection(socket, PEER, host);
    host.connection.updateFlow();
    return { client, replies: () => received.split('\n').filter((l) => l !== '') };
  }

  it('answers every request once, in order, across chunk boundaries, skipping blank lines', async () => {
    const host = new FakeHost(LIMITS);
    const { client, replies } = await open(host);
    client.write('{"a":1}\n\n  \r\n{"b"');
    await tick();
    client.write(':2}\n{"c":3}\n');
    await tick();
    assert.deepEqual(host.seen, ['{"a":1}', '{"b":2}', '{"c":3}']);
    assert.deepEqual(
      replies().map((r) => JSON.parse(r).id),
      ['{"a":1}', '{"b":2}', '{"c":3}'],
    );
    client.destroy();
  });

  it('holds to max_in_flight per request even when one chunk carries many requests', async () => {
    const host = new FakeHost(LIMITS);
    host.hold = true;
    const { client, replies } = await open(host);
    client.write(Array.from({ length: 40 }, (_, i) => `{"n":${i}}\n`).join(''));
    await tick();
    assert.equal(host.seen.length, LIMITS.maxInFlight, 'lines beyond the limit wait unread');
    for (let round = 0; round < 20 && host.seen.length < 40; round++) {
      host.release();
      await tick(5);
    }
    host.release();
    await tick();
    assert.equal(host.seen.length, 40);
    assert.equal(host.peakInFlight, LIMITS.maxInFlight);
    assert.equal(replies().length, 40);
    client.destroy();
  });

  it('stops taking requests from a chunk once the daemon is congested', async () => {
    const host = new FakeHost(LIMITS);
    host.hold = true;
    const { client } = await open(host);
    host.isCongested = false;
    client.write('{"n":1}\n');
    await tick();
    host.isCongested = true;
    client.write('{"n":2}\n{"n":3}\n{"n":4}\n');
    await tick();
    assert.equal(host.seen.length, 2, 'one request taken, then the congestion is seen');
    host.isCongested = false;
    host.connection?.updateFlow();
    host.release();
    await tick();
    host.release();
    await tick();
    assert.equal(host.seen.length, 4);
    client.destroy();
  });

  it('stops reading a client that does not read its replies, and serves it again when it does', async (t) => {
    const host = new FakeHost({ ...LIMITS, maxInFlight: 100_000 });
    const { client, replies } = await open(host);
    t.after(() => client.destroy());
    client.pause();
    // Each reply echoes its ~100-byte line: 20,000 of them are ~2 MB, far more than the socket buffers.
    const line = (i: number) => `{"n":${i},"pad":"${'p'.repeat(80)}"}\n`;
    const total = 20_000;
    for (let i = 0; i < total; i += 500)
      client.write(Array.from({ length: 500 }, (_, j) => line(i + j)).join(''));
    await tick(300);
    const seenWhileBlocked = host.seen.length;
    assert.ok(
      seenWhileBlocked < total / 2,
      `taken ${seenWhileBlocked} requests from a client that reads nothing`,
    );
    const held = seenWhileBlocked * line(0).length;
    assert.ok(held > REPLY_BACKLOG_BYTES, 'the kernel buffer and our backlog fill first');
    await tick(200);
    assert.equal(host.seen.length, seenWhileBlocked, 'no more is read while nothing drains');
    client.resume();
    for (let i = 0; i < 100 && replies().length < total; i++) await tick(50);
    assert.equal(replies().length, total, 'every request answered once the client reads');
    client.destroy();
  });

  it('frames at most LINES_PER_TURN requests of one read before others get a turn', async (t) => {
    const host = new FakeHost({ ...LIMITS, maxInFlight: 100_000 });
    let framedBeforeOthers = -1;
    const handle = host.handle.bind(host);
    host.handle = (line, peer, answer) => {
      if (host.seen.length === 0) setImmediate(() => (framedBeforeOthers = host.seen.length));
      handle(line, peer, answer);
    };
    const { client, replies } = await open(host);
    t.after(() => client.destroy());
    client.write(Array.from({ length: 1000 }, (_, i) => `{"n":${i}}\n`).join(''));
    for (let i = 0; i < 40 && replies().length < 1000; i++) await tick(25);
    assert.equal(replies().length, 1000);
    assert.equal(framedBeforeOthers, LINES_PER_TURN);
    client.destroy();
  });

  it('answers an overlong line once with REQUEST_TOO_LONG and closes', async () => {
    const host = new FakeHost(LIMITS);
    const { client, replies } = await open(host);
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.write(`{"ok":1}\n${'x'.repeat(2000)}\n{"after":1}\n`);
    await closed;
    assert.deepEqual(host.seen, ['{"ok":1}']);
    assert.equal(JSON.parse(replies()[1] ?? '{}').error.code, 'REQUEST_TOO_LONG');
  });

  it('closes a connection that sends only blank lines once the idle timeout passes', async () => {
    const host = new FakeHost({ ...LIMITS, idleTimeoutMs: 300 });
    const { client } = await open(host);
    let closedAt = 0;
    const started = Date.now();
    const closed = new Promise<void>((resolve) =>
      client.on('close', () => {
        closedAt = Date.now() - started;
        resolve();
      }),
    );
    client.on('end', () => client.end());
    // A blank line every 100 ms would have kept the old socket timeout from ever firing.
    const keepAlive = setInterval(() => client.writable && client.write('\n'), 100);
    await Promise.race([closed, tick(3000)]);
    clearInterval(keepAlive);
    assert.ok(closedAt > 0, 'the connection was closed');
    client.destroy();
  });
});
