import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseConfig } from '../../../src/config/load.js';
import { parseDuration } from '../../../src/duration.js';

function problems(text: string): string[] {
  try {
    parseConfig(text, 'test.toml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

describe('config loading', () => {
  it('fills every default from an empty file', () => {
    const config = parseConfig('', 'empty.toml');
    assert.equal(config.daemon.socket, '/run/auditrelay/events.sock');
    assert.equal(config.daemon.heartbeat_interval, 60_000);
    assert.deepEqual(config.clients, []);
  });

  it('reports every problem at once with its key path', () => {
    const found = problems(`
[daemon]
socket = "relative.sock"
socket_mode = "777"
max_record_bytes = 9000
idle_timeout = "5 minutes"
heartbeat_interval = "500ms"
colour = "blue"

[[clients]]
name = "web ui"
types = []
`);
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      [
        'daemon.socket',
        'daemon.socket_mode',
        'daemon.max_record_bytes',
        'daemon.idle_timeout',
        'daemon.heartbeat_interval',
        'daemon',
        'clients[0].name',
        'clients[0].types',
        'clients[0]',
      ],
    );
    assert.ok(found.some((p) => p.includes('"colour"')));
  });

  it('names the line and column of a TOML syntax error', () => {
    assert.throws(
      () => parseConfig('[daemon\n', 'bad.toml'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'CONFIG_SYNTAX');
        assert.match(e.message, /line 1, column \d+/);
        return true;
      },
    );
  });

  it('parses durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('60s'), 60_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1.5s'), undefined);
    assert.equal(parseDuration('s'), undefined);
  });
});
