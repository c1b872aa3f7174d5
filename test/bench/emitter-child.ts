/**
 * One emitter round in a process of its own, for the Node of another release (run through chroot by
 * emitter-bench.ts): `node emitter-child.js N batched|single` prints `{"events_per_s": …}`.
 */
import { emitterBatched, emitterSingle } from './emitter-bench.js';

const n = Number(process.argv[2] ?? 20_000);
const rate = process.argv[3] === 'single' ? await emitterSingle(n) : await emitterBatched(n);
process.stdout.write(`${JSON.stringify({ events_per_s: rate, node: process.version })}\n`);
