/**
 * A slow link for the bench: a TCP proxy on loopback that delays every chunk by `delayMs` in each
 * direction (order kept), so the relay's stop-and-wait path sees a round trip of 2 × delayMs — netem,
 * which the lab would use, is not in every kernel (not in this machine's). `hold()` stops passing bytes
 * in both directions, as a blackholed path would; `release()` lets them flow again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

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
  const server: Server = createServer((client) => {
    const upstream = connect(to.port, to.host);
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
