import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { restartOnlyChanges } from '../../../src/daemon/runtime.js';

const forwarding = (port: number) => `[forwarding]\ncollector = "192.0.2.10"\nport = ${port}\n`;

describe('reload rules', () => {
  it('names the keys a SIGHUP cannot change, and only those', () => {
    const base = parseConfig(`[daemon]\nmax_rate = 10\n${forwarding(60)}`, 'a.toml');
    const same = parseConfig(
      `[daemon]\nmax_rate = 500\nretention_window = "1m"\n${forwarding(60)}`,
      'b.toml',
    );
    assert.deepEqual(restartOnlyChanges(base, same), [], 'pace and retention reload');
    const moved = parseConfig(`[daemon]\nsocket = "/run/x.sock"\n${forwarding(61)}`, 'c.toml');
    assert.deepEqual(restartOnlyChanges(base, moved), ['daemon.socket', 'forwarding.port']);
    assert.deepEqual(restartOnlyChanges(base, parseConfig('', 'd.toml')), ['[forwarding]']);
  });
});
