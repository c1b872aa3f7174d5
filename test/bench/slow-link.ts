/**
 * A slow link for the bench: a TCP proxy on loopback that delays every chunk by `delayMs` in each
 * direction (order kept), so the relay's stop-and-wait path sees a round trip of 2 × delayMs — netem,
 * which the lab would use, is not in every kernel (not in this machine's). `hold()` stops passing bytes
 * in both directions, as a blackholed path would; `release()` lets them flow again. It connects to the
 * collector from a port below 1024, as the relay does (the relay's own upstream code): the lab's collector,
 * like the kit's, admits no other (tcp_client_ports = 1-1023).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { openUpstream } from '../../src/relay/upstream.js';

export interface SlowLink {
  readonly port: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startSlowLink(to: { host: string; port: number }, delayMs: number): Promise<SlowLink> {
  let held = false;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const pass = (from: Socket, into: Socket) =>
    from.on('data', (chunk: Buffer) => {
      const send = () => setTimeout(() => into.write(chunk), delayMs);
      if (held) waiting.push(send);
      else send();
    });
  const join = (client: Socket, upstream: Socket) => {
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    pass(client, upstream);
    pass(upstream, client);
    client.resume();
  };
  const server: Server = createServer((client) => {
    client.pause(); // until the collector answers: nothing read is lost meanwhile
    client.on('error', () => undefined);
    openUpstream({ ...to, privilegedSource: true }, undefined).then(
      (upstream) => join(client, upstream),
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const send of waiting.splice(0)) send();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
