/**
 * A raw NDJSON client for the benches: `count` request lines from `line(i)`, a sliding window of `window`
 * unanswered requests, replies only counted. It measures the daemon rather than the client library.
 */
import { createConnection } from 'node:net';

export function rawClient(
  path: string,
  count: number,
  line: (i: number) => string,
  window = 128,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let sent = 0;
    let answered = 0;
    const fill = () => {
      let chunk = '';
      while (sent < count && sent - answered < window) chunk += line(sent++);
      if (chunk !== '') socket.write(chunk);
    };
    socket.on('connect', fill);
    socket.on('data', (data: Buffer) => {
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) answered++;
      if (answered >= count) {
        socket.end();
        resolve();
      } else fill();
    });
    socket.on('error', reject);
  });
}
