/**
 * The client library against a fake daemon (a Unix socket server of the test's own): a line that is no
 * reply rejects every pending call with DAEMON_PROTOCOL and closes the connection — it never throws
 * inside the host application's event loop.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, type EventInput, MAX_REPLY_BYTES } from '../../src/client.js';
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

  /** Runs `body` against a fake daemon answering each line with `answer`, failing on anything uncaught. */
  async function against(
    name: string,
    answer: (line: string) => string,
    body: (client: Awaited<ReturnType<typeof connect>>) => Promise<void>,
  ): Promise<string[]> {
    const path = join(dir, `${name}.sock`);
    const seen: string[] = [];
    const server = await fakeDaemon(path, (line) => {
      seen.push(line);
      return answer(line);
    });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await body(await connect(path));
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      server.close();
    }
    return seen;
  }

  it('refuses hostile replies with DAEMON_PROTOCOL and never throws in the host', async () => {
    const replies = [
      // String() of this throws: it once crashed the host application inside the socket handler.
      (id: number) => ({ id, ok: false, error: { code: 'X', message: { toString: 1 } } }),
      (id: number) => ({ id, ok: false, error: { code: { toString: 1 }, message: 'm' } }),
      (id: number) => ({ id, ok: false }),
      (id: number) => ({ id, ok: 'yes' }),
      (_id: number) => ({ id: { toString: 1 }, ok: true }),
      (id: number) => ({ id, ok: true }), // a status request answered without a status
      (id: number) => ({ id, ok: true, status: [1] }),
    ];
    for (const [i, reply] of replies.entries()) {
      await against(
        `hostile-${i}`,
        (line) => `${JSON.stringify(reply((JSON.parse(line) as { id: number }).id))}\n`,
        async (client) => {
          const call = i >= 5 ? client.status() : client.send({ type: 'TRUSTED_APP' });
          await assert.rejects(call, { code: 'DAEMON_PROTOCOL' }, `reply ${i}`);
        },
      );
    }
  });

  it('gives up on a reply line longer than MAX_REPLY_BYTES instead of buffering it', async () => {
    await against(
      'endless',
      () => 'x'.repeat(MAX_REPLY_BYTES + 10),
      async (client) => {
        await assert.rejects(client.send({ type: 'TRUSTED_APP' }), { code: 'DAEMON_PROTOCOL' });
      },
    );
  });

  it("sends an event's protocol keys only: id, request or another key is refused before sending", async () => {
    const seen = await against(
      'keys',
      (line) => `${JSON.stringify({ id: (JSON.parse(line) as { id: number }).id, ok: true })}\n`,
      async (client) => {
        const asStatus = { type: 'TRUSTED_APP', request: 'status' } as unknown as EventInput;
        await assert.rejects(client.send(asStatus), { code: 'EVENT_INVALID' });
        const stealsId = { type: 'TRUSTED_APP', id: 1 } as unknown as EventInput;
        await assert.rejects(client.send(stealsId), { code: 'EVENT_INVALID' });
        await assert.rejects(client.send(null as unknown as EventInput), { code: 'EVENT_INVALID' });
        await client.send({ type: 'TRUSTED_APP', op: 'x', fields: { a: 1 } });
        await client.close();
      },
    );
    assert.deepEqual(seen, ['{"id":4,"type":"TRUSTED_APP","op":"x","fields":{"a":1}}']);
  });
});
