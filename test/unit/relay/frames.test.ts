/** Counting audisp-remote's frames however the bytes are cut, and refusing frames no peer sends. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameCounter, MAX_FRAME_BYTES } from '../../../src/relay/frames.js';

function gss(body: number): Buffer {
  const b = Buffer.alloc(4 + body, 7);
  b.writeUInt32BE(body, 0);
  return b;
}

/** A managed-format message as lib/private.h packs it: little-endian, whatever the `N` in its macros says. */
function rmw(body: number): Buffer {
  const b = Buffer.alloc(16 + body, 7);
  b.writeUInt32LE(0xff0000fe, 0);
  b.writeUInt16LE(body, 10);
  return b;
}

/** Feeds `stream` cut at `cuts` and returns the frames counted. */
function count(counter: FrameCounter, stream: Buffer, cuts: number[]): number {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let total = 0;
  let at = 0;
  for (const point of [...points, stream.length]) {
    total += counter.push(stream.subarray(at, point));
    at = point;
  }
  return total;
}

describe('frame counting', () => {
  for (const [name, frame] of [
    ['GSS tokens', gss],
    ['managed-format messages', rmw],
  ] as const) {
    it(`counts ${name} whole, however the stream is cut`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 20 }),
          fc.array(fc.nat(), { maxLength: 30 }),
          (bodies, cuts) => {
            const stream = Buffer.concat(bodies.map((b) => frame(b)));
            const counter = new FrameCounter(name === 'GSS tokens' ? 'gss' : 'rmw');
            assert.equal(count(counter, stream, cuts), bodies.length);
          },
        ),
      );
    });
  }

  it('counts a frame only once its last byte arrived', () => {
    const counter = new FrameCounter('gss');
    const token = gss(10);
    assert.equal(counter.push(token.subarray(0, 13)), 0);
    assert.equal(counter.push(token.subarray(13)), 1);
  });

  it('refuses a token longer than any peer sends, and a header without the magic number', () => {
    const big = Buffer.alloc(4);
    big.writeUInt32BE(MAX_FRAME_BYTES + 1);
    assert.throws(() => new FrameCounter('gss').push(big), { code: 'RELAY_FRAMING' });
    assert.throws(() => new FrameCounter('rmw').push(Buffer.alloc(16)), { code: 'RELAY_FRAMING' });
  });
});
