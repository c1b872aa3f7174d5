import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../../src/log/logger.js';

function capture(journal: boolean) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { log: createLogger({ journal, stream, level: 'debug' }), text: () => text };
}

describe('logger', () => {
  it('writes <N> priority prefixes without timestamps for journald', async () => {
    const { log, text } = capture(true);
    log.error('kernel refused');
    log.notice('listening');
    log.debug('detail', { fd: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(text(), '<3>kernel refused\n<5>listening\n<7>detail {"fd":3}\n');
  });

  it('writes timestamped lines elsewhere', async () => {
    const { log, text } = capture(false);
    log.warning('careful');
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(text(), /^\d{4}-\d\d-\d\dT\S+ warning: careful\n$/);
  });
});
