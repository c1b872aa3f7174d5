/**
 * The relay between a stand-in audisp-remote and a stand-in collector, over real loopback sockets: bytes
 * pass untouched, a handshake survives an unreachable collector, a broken session holds audisp-remote
 * and releases it only with RST while a request is outstanding and only once everything answers, a
 * reconnect reuses the local port, a stop hands audisp-remote over, and a foreign peer is refused.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { AuditRelayError } from '../../../src/errors/error.js';
import type { Logger } from '../../../src/log/logger.js';
import { FrameCounter } from '../../../src/relay/frames.js';
import type { Readiness } from '../../../src/relay/readiness.js';
import { Relay } from '../../../src/relay/relay.js';

const quiet: Logger = new Proxy({}, { get: () => () => quiet }) as Logger;
const token = (body: string) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(body.length);
  return Buffer.concat([b, Buffer.from(body)]);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(get: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A collector as auditd's listener behaves: the client's first (empty) token gets no answer, every later
 * one a token; it remembers what it got, per connection.
 */
class FakeCollector {
  server: Server | undefined;
  readonly connections: Array<{ socket: Socket; port: number; bytes: Buffer[] }> = [];
  port = 0;
  async start(port = 0): Promise<void> {
    this.server = createServer((socket) => {
      const c = { socket, port: socket.remotePort ?? 0, bytes: [] as Buffer[] };
      this.connections.push(c);
      const frames = new FrameCounter('gss');
      let got = 0;
      socket.on('data', (d: Buffer) => {
        c.bytes.push(d);
        for (let n = frames.push(d); n > 0; n--) if (got++ > 0) socket.write(token('ack'));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
  }
  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
  received(): string {
    return Buffer.concat(this.connections.flatMap((c) => c.bytes)).toString('latin1');
  }
}

/** audisp-remote's handshake: an empty token first ("someone has to go first"), then its AP-REQ. */
const handshake = () => Buffer.concat([token(''), token('AP-REQ')]);

/** A stand-in audisp-remote: how its connection ended tells whether it would crash, wedge or reconnect. */
function client(port: number) {
  const socket = connect(port, '127.0.0.1');
  const state = { data: [] as Buffer[], ended: undefined as string | undefined };
  socket.on('data', (d: Buffer) => state.data.push(d));
  socket.on('end', () => (state.ended ??= 'FIN'));
  socket.on('error', (e: NodeJS.ErrnoException) => (state.ended ??= e.code ?? 'error'));
  socket.on('close', () => (state.ended ??= 'closed'));
  return { socket, state, replies: () => Buffer.concat(state.data).toString('latin1') };
}

function makeRelay(collectorPort: number, ready: () => Readiness, allowOwner?: (uid?: number) => boolean) {
  const events: string[] = [];
  const relay = new Relay(
    {
      listen: { port: 0 },
      collector: { host: '127.0.0.1', port: collectorPort },
      framing: 'gss',
      allowOwner: allowOwner ?? (() => true),
    },
    async () => ready(),
    {
      up: () => events.push('up'),
      down: (reason) => events.push(`down: ${reason}`),
      acked: (n) => events.push(`acked ${n}`),
    },
    quiet,
  );
  return { relay, events };
}

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const step of cleanup) await step();
});

describe('relay', () => {
  it('passes the handshake and records through untouched and counts the acknowledgements', async () => {
    const collector = new FakeCollector();
    await collector.start();
    const { relay, events } = makeRelay(collector.port, () => ({ ready: true }));
    await relay.start();
    cleanup.push(
      () => relay.stop(0),
      () => collector.stop(),
    );
    const c = client(relay.port);
    c.socket.write(handshake());
    await waitFor(() => (c.replies().includes('ack') ? true : undefined), 'the handshake answer');
    c.socket.write(Buffer.concat([token('r1'), token('r2'), token('r3')]));
    await waitFor(() => (c.replies().split('ack').length === 5 ? true : undefined), 'three acks');
    assert.equal(
      collector.received(),
      handshake().toString('latin1') + ['r1', 'r2', 'r3'].map((r) => token(r).toString('latin1')).join(''),
    );
    assert.deepEqual(events.filter((e) => e.startsWith('acked')).length > 0, true);
    assert.equal(relay.status().acked, 3);
    assert.equal(relay.status().phase, 'open');
    c.socket.destroy();
  });

  it('fails to start with RELAY_LISTEN_FAILED when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => void taken.close());
    const port = (taken.address() as AddressInfo).port;
    const relay = new Relay(
      { listen: { port }, collector: { host: '127.0.0.1', port: 9 }, framing: 'gss' },
      async () => ({ ready: true }),
      { up: () => undefined, down: () => undefined, acked: () => undefined },
      quiet,
    );
    await assert.rejects(relay.start(), (error: AuditRelayError) => {
      assert.equal(error.code, 'RELAY_LISTEN_FAILED');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}: EADDRINUSE`));
      return true;
    });
  });

  it('holds the handshake while the collector is unreachable and replays it when it listens', async () => {
    const collector = new FakeCollector();
    await collector.start();
    const port = collector.port;
    await collector.stop();
    const { relay } = makeRelay(port, () => ({ ready: true }));
    await relay.start();
    const c = client(relay.port);
    c.socket.write(handshake());
    await sleep(300);
    assert.equal(c.state.ended, undefined, 'audisp-remote is never closed before the collector answered');
    const back = new FakeCollector();
    await back.start(port);
    cleanup.push(
      () => relay.stop(0),
      () => back.stop(),
    );
    await waitFor(() => (c.replies().includes('ack') ? true : undefined), 'the answer, after a retry', 8000);
    assert.equal(back.received(), handshake().toString('latin1'), 'the very tokens audisp-remote sent');
    c.socket.destroy();
  });

  it('holds a broken session, and releases audisp-remote with RST only while a request is outstanding', async () => {
    const collector = new FakeCollector();
    await collector.start();
    let ready: Readiness = { ready: false, waitingFor: 'kdc', reason: 'no KDC answers' };
    const { relay, events } = makeRelay(collector.port, () => ready);
    await relay.start();
    cleanup.push(
      () => relay.stop(0),
      () => collector.stop(),
    );
    const c = client(relay.port);
    c.socket.write(handshake());
    await waitFor(() => (c.replies().includes('ack') ? true : undefined), 'the handshake answer');
    const first = collector.connections[0];
    first?.socket.destroy(); // the collector connection dies while audisp-remote is idle
    await waitFor(() => events.find((e) => e.startsWith('down')), 'the relay to see the break');
    await sleep(1200);
    assert.equal(c.state.ended, undefined, 'idle: held (a RST now would wedge it, a FIN crash it)');
    c.socket.write(token('record'));
    await sleep(1200);
    assert.equal(c.state.ended, undefined, 'outstanding, but the KDC does not answer: still held');
    assert.equal(relay.status().waiting_for, 'kdc');
    ready = { ready: true };
    await waitFor(() => c.state.ended, 'the release', 15_000);
    assert.equal(c.state.ended, 'ECONNRESET', 'released with RST, never FIN');
    assert.ok(!collector.received().includes('record'), 'nothing went up the broken session');
    // audisp-remote reconnects: from the same local port, the relay reaches the collector again.
    const again = client(relay.port);
    again.socket.write(handshake());
    await waitFor(() => (again.replies().includes('ack') ? true : undefined), 'the new session');
    const ports = collector.connections.map((x) => x.port);
    assert.equal(ports.at(-1), first?.port, 'the reconnect binds the port of the connection before it');
    again.socket.destroy();
  });

  it('hands audisp-remote over at a stop: its next request is held, then reset', async () => {
    const collector = new FakeCollector();
    await collector.start();
    const { relay } = makeRelay(collector.port, () => ({ ready: true }));
    await relay.start();
    cleanup.push(() => collector.stop());
    const c = client(relay.port);
    c.socket.write(handshake());
    await waitFor(() => (c.replies().includes('ack') ? true : undefined), 'the handshake answer');
    const stopped = relay.stop(5000);
    await sleep(100);
    assert.equal(c.state.ended, undefined, 'idle: not reset');
    c.socket.write(token('last'));
    await stopped;
    await waitFor(() => c.state.ended, 'the reset');
    assert.equal(c.state.ended, 'ECONNRESET');
    assert.ok(!collector.received().includes('last'), 'held, for the next daemon');
  });

  it('refuses a peer whose socket is not root-owned', async () => {
    const collector = new FakeCollector();
    await collector.start();
    const { relay } = makeRelay(
      collector.port,
      () => ({ ready: true }),
      () => false,
    );
    await relay.start();
    cleanup.push(
      () => relay.stop(0),
      () => collector.stop(),
    );
    const c = client(relay.port);
    c.socket.write(handshake());
    await waitFor(() => c.state.ended, 'the refusal');
    assert.equal(relay.status().refused, 1);
    assert.equal(collector.connections.length, 0);
  });
});
