import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldArgs } from '../../../src/commands/emit.js';

describe('emit arguments', () => {
  it('splits name=value at the first =', () => {
    assert.deepEqual(parseFieldArgs(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
  });
  it('refuses a word without a name', () => {
    assert.throws(() => parseFieldArgs(['=x']), { code: 'USAGE_FIELD' });
    assert.throws(() => parseFieldArgs(['novalue']), { code: 'USAGE_FIELD' });
  });
});
