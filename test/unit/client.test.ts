/**
 * The client library against a fake daemon (a Unix socket server of the test's own): a line that is no
 * reply rejects every pending call with DAEMON_PROTOCOL and closes the connection — it never throws
 * inside the host application's event loop.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { makeTempDir, removeTempDir } from '../harness/temp-dir.js';

function fakeDaemon(path: string, answer: (line: string) => string): Promise<Server> {
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter((l) => l !== '')) socket.write(answer(line));
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('client', () => {
  const dir = makeTempDir('auditrelay-client-');
  after(() => removeTempDir(dir));

  it('answers ok and errors with their codes', async () => {
    const path = join(dir, 'good.sock');
    const server = await fakeDaemon(path, (line) => {
      const { id, type } = JSON.parse(line) as { id: number; type: string };
      return type === 'NOPE'
        ? `${JSON.stringify({ id, ok: false, error: { code: 'EVENT_TYPE_UNKNOWN', message: 'no' } })}\n`
        : `${JSON.stringify({ id, ok: true })}\n`;
    });
    try {
      const client = await connect(path);
      await client.send({ type: 'TRUSTED_APP' });
      await assert.rejects(client.send({ type: 'NOPE' }), { code: 'EVENT_TYPE_UNKNOWN' });
      await client.close();
    } finally {
      server.close();
    }
  });

  it('rejects pending calls with DAEMON_PROTOCOL on a line that is no reply, and throws nowhere', async () => {
    for (const garbage of ['not json', '42', '[1]', 'null']) {
      const path = join(dir, `bad-${garbage.length}.sock`);
      const server = await fakeDaemon(path, () => `${garbage}\n`);
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        const client = await connect(path);
        const results = await Promise.allSettled([client.send({ type: 'A' }), client.send({ type: 'B' })]);
        for (const r of results) {
          assert.equal(r.status, 'rejected');
          assert.equal((r as PromiseRejectedResult).reason.code, 'DAEMON_PROTOCOL', garbage);
        }
        await assert.rejects(client.status(), { code: 'DAEMON_PROTOCOL' }, 'later calls fail too');
        assert.deepEqual(uncaught, []);
      } finally {
        process.off('uncaughtException', onUncaught);
        server.close();
      }
    }
  });
});
