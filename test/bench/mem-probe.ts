import { execSync } from 'node:child_process';
// scratch: memory probe (not committed)
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { connect } from '../../src/client.js';
import { startCapturingAuditd } from '../harness/capturing-auditd.js';
import { configFor, startDaemon } from '../harness/daemon.js';

function rawClient(path: string, c: number, count: number, window: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let sent = 0;
    let answered = 0;
    const fill = () => {
      let chunk = '';
      while (sent < count && sent - answered < window) {
        chunk += `{"id":${sent},"type":"TRUSTED_APP","fields":{"c":${c},"i":${sent}}}\n`;
        sent++;
      }
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
function rss(pid: number) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const k = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(s)?.[1]) / 1024;
  return `rss ${k('VmRSS').toFixed(0)} hwm ${k('VmHWM').toFixed(0)} anon ${k('RssAnon').toFixed(0)}`;
}
const auditd = await startCapturingAuditd({ writeLogs: false });
const forwarding = process.env['NOFWD'] ? '' : '[forwarding]\ncollector = "127.0.0.1"\nport = 60\n';
const daemon = await startDaemon({
  config: `${configFor([0], ['TRUSTED_APP'], 'max_in_flight = 1024')}${forwarding}`,
  env: { NODE_OPTIONS: process.env['DAEMON_NODE_OPTIONS'] ?? '' },
  wrapper: ['sh', '-c', `n=$1; shift; exec "$n" ${process.env['NODE_FLAGS'] ?? ''} "$@"`, 'sh'],
}).catch(async (e) => {
  await auditd.stop();
  throw e;
});
try {
  const pid = daemon.child.pid ?? 0;
  const st = async () => {
    const c = await connect(daemon.socket);
    const s = await c.status();
    await c.close();
    return JSON.stringify((s as unknown as { memory: unknown }).memory);
  };
  console.log('idle', rss(pid), await st());
  const steps = Number(process.env['STEPS'] ?? 4);
  const t0 = Date.now();
  for (let k = 1; k <= steps; k++) {
    await Promise.all(Array.from({ length: 8 }, (_, c) => rawClient(daemon.socket, c, 250_000 / 8, 128)));
    console.log(`${k * 250}k`, rss(pid), await st(), `${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  await new Promise((r) => setTimeout(r, 3000));
  if (process.env['SNAP']) {
    process.kill(pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 15000));
    console.log('snap in', daemon.dir);
    execSync(
      `cp ${daemon.dir}/*.heapsnapshot /work/scratch/ 2>/dev/null || cp /work/main/*.heapsnapshot /work/scratch/ 2>/dev/null || true`,
    );
  }
  console.log('3s later', rss(pid), await st());
} finally {
  await daemon.stop();
  await auditd.stop();
}
