import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeNvString } from '../../../native/libaudit.js';
import { decodeValue, encodeField, encodeValue, needsEncoding } from '../../../src/audit/encoding.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const latin1 = (u: Uint8Array) => Buffer.from(u).toString('latin1');

describe('encoding', () => {
  it('quotes plain values and hex-encodes the rest, in uppercase', () => {
    assert.equal(encodeField('user', bytes('alice')), 'user="alice"');
    assert.equal(encodeField('text', bytes('a b')), 'text=612062');
    assert.equal(encodeField('q', bytes('say "hi"')), 'q=7361792022686922');
    assert.equal(encodeField('u', bytes('é')), 'u=C3A9');
    assert.equal(encodeField('empty', bytes('')), 'empty=""');
  });

  it("encodes ' although libaudit does not (quote injection)", () => {
    const forged = bytes("mallory' uid=0 auid=0 res=failed x='");
    assert.equal(needsEncoding(forged), true);
    assert.match(encodeValue(forged), /^[0-9A-F]+$/);
  });

  it('encodes NUL, newline, 0x1d, DEL, invalid UTF-8 and every control byte', () => {
    for (const b of [0x00, 0x0a, 0x0d, 0x09, 0x1d, 0x20, 0x7f, 0x80, 0xff]) {
      assert.equal(needsEncoding(Uint8Array.of(0x61, b)), true, `byte ${b}`);
    }
    assert.equal(encodeValue(Uint8Array.of(0xc3, 0x28)), 'C328');
  });

  it('encodes = although libaudit does not: ausearch and aureport find res=, exe=, uid= by substring', () => {
    for (const value of ['res=success', 'exe=/usr/sbin/sshd', 'a=b']) {
      assert.equal(needsEncoding(bytes(value)), true, value);
      assert.equal(encodeValue(bytes(value)).includes('='), false, value);
    }
  });

  it('is byte-identical to libaudit audit_encode_nv_string for values without a quote or =', () => {
    // Printable ASCII half the time, so quoted values are tried as often as hex ones.
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ min: 0x21, max: 0x7e, maxLength: 64 }),
    );
    const noApostrophe = value.filter((u) => !u.includes(0x27) && !u.includes(0x3d));
    fc.assert(
      fc.property(noApostrophe, (value) => {
        assert.equal(encodeField('f', value), encodeNvString('f', value));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any byte string, and never emits an unsafe raw byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (value) => {
        const text = encodeValue(value);
        const decoded = decodeValue(text);
        assert.ok(decoded !== undefined);
        assert.deepEqual(Buffer.from(decoded), Buffer.from(value));
        const inner = text.startsWith('"') ? text.slice(1, -1) : text;
        for (const ch of inner) {
          const c = ch.charCodeAt(0);
          assert.ok(c > 0x20 && c < 0x7f && ch !== '"' && ch !== "'", `raw ${c} in ${latin1(value)}`);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips any Unicode string through UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (s) => {
        const decoded = decodeValue(encodeValue(bytes(s)));
        assert.equal(Buffer.from(decoded ?? []).toString('utf8'), s);
      }),
    );
  });

  it('rejects text that is neither quoted nor hex when decoding', () => {
    assert.equal(decodeValue('abc'), undefined);
    assert.equal(decodeValue('ABC'), undefined);
    assert.equal(decodeValue('4g'), undefined);
  });
});
