/**
 * Run with --expose-gc (by recovery-bench.ts): what one retained record takes in retention's ring and on
 * the V8 heap (nothing, when the ring is outside it). Prints one JSON line.
 */
import { parseEvent } from '../../src/audit/event.js';
import { buildRecord } from '../../src/audit/record.js';
import { Retention } from '../../src/audit/retention.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const types = { toNumber: () => 1121, toName: () => 'TRUSTED_APP' };
const sender = { pid: 1234, uid: 1000, gid: 1000, gids: [], comm: 'webui', exe: '/usr/bin/node' };
const n = 100_000;
gc();
const before = process.memoryUsage().heapUsed;
const retention = new Retention({ windowMs: 1e9, maxBytes: 2 ** 30 }, () => undefined);
let text = 0;
for (let i = 0; i < n; i++) {
  const event = {
    type: 'TRUSTED_APP',
    op: 'set-config',
    fields: { setting: 'ntp.server', value: `pool${i}.example.org` },
  };
  const record = buildRecord(parseEvent(event, types), sender, 4096);
  if (record.kind === 'user') text += record.message.length;
  retention.add(i + 1, record, Date.now(), i + 1);
}
gc();
const heap = (process.memoryUsage().heapUsed - before) / n;
process.stdout.write(
  `${JSON.stringify({ records: retention.count, text: text / n, heap, accounted: retention.bytes / n })}\n`,
);
