import { Emitter } from '/work/main/dist/src/audit/emitter.js';

const rec = (i) => ({
  kind: 'user',
  type: 1121,
  message: `op=bench tag="b" i="${i}"`,
  addr: null,
  success: true,
});
for (const [mb, mf] of [
  [1024, 2],
  [1024, 2],
  [256, 2],
  [4096, 2],
]) {
  const e = new Emitter({ maxBatch: mb, maxInFlight: mf });
  await e.emit(rec(0));
  const n = 20000;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, (_, i) => e.emit(rec(i))));
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  await e.close();
  console.log(mb, mf, Math.round(n / s));
}
