import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { type Config, RELOADABLE_DAEMON_KEYS } from '../../../src/config/schema.js';
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

  it('takes every [daemon] key the schema does not mark reloadable as restart-only', () => {
    const base = parseConfig('', 'a.toml');
    assert.ok(RELOADABLE_DAEMON_KEYS.has('max_rate') && !RELOADABLE_DAEMON_KEYS.has('socket'));
    const changedValue = (value: unknown): unknown =>
      typeof value === 'number' ? value + 1 : typeof value === 'string' ? `${value}x` : value;
    for (const key of Object.keys(base.daemon) as Array<keyof Config['daemon']>) {
      const after: Config = { ...base, daemon: { ...base.daemon, [key]: changedValue(base.daemon[key]) } };
      const named = restartOnlyChanges(base, after).includes(`daemon.${key}`);
      assert.equal(named, !RELOADABLE_DAEMON_KEYS.has(key), `daemon.${key}`);
    }
    const grouped = parseConfig('[daemon]\nsocket_group = "root"\n', 'g.toml');
    assert.deepEqual(restartOnlyChanges(grouped, base), ['daemon.socket_group'], 'a key the new file drops');
  });
});
