import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseConfig } from '../../../src/config/load.js';

function problemPaths(text: string): string[] {
  try {
    parseConfig(text, 'test.toml');
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => p.path);
  }
}

describe('forwarding configuration', () => {
  it('defaults to Kerberos, Debian actions, big queues and a crash-safe max_restarts', () => {
    const config = parseConfig('[forwarding]\ncollector = "collector.example.com"\n', 't');
    assert.equal(config.forwarding?.transport, 'krb5');
    assert.equal(config.forwarding?.network_failure_action, 'stop');
    assert.equal(config.forwarding?.queue_depth, 65536);
    assert.equal(config.auditd.q_depth, 99999);
    assert.ok(config.auditd.max_restarts >= 10_000);
  });

  it('refuses each invalid input with its key path', () => {
    const cases: Array<[string, string]> = [
      ['[forwarding]\n', 'forwarding.collector'],
      ['[forwarding]\ncollector = 5\n', 'forwarding.collector'],
      ['[forwarding]\ncollector = "bad host!"\n', 'forwarding.collector'],
      ['[forwarding]\ncollector = "c"\nkeytab = "/../../etc/shadow"\n', 'forwarding.keytab'],
      ['[forwarding]\ncollector = "c"\nkrb5_config = "/etc/../x"\n', 'forwarding.krb5_config'],
      ['[auditd]\nconfig_dir = "/etc/audit/.."\n', 'auditd.config_dir'],
      ['[forwarding]\ncollector = "c"\nport = 70000\n', 'forwarding.port'],
      ['[forwarding]\ncollector = "c"\ntransport = "tcp"\n', 'forwarding.transport'],
      ['[forwarding]\ncollector = "c"\ntransport = "udp"\n', 'forwarding.transport'],
      ['[forwarding]\ncollector = "c"\nkeytab = "audisp-remote.key"\n', 'forwarding.keytab'],
      [`[forwarding]\ncollector = "c"\nkeytab = "/${'k'.repeat(120)}"\n`, 'forwarding.keytab'],
      [
        '[forwarding]\ncollector = "c"\nnetwork_failure_action = "reconnect"\n',
        'forwarding.network_failure_action',
      ],
      [
        '[forwarding]\ncollector = "c"\nnetwork_failure_action = "syslog"\n',
        'forwarding.network_failure_action',
      ],
      ['[forwarding]\ncollector = "c"\noverflow_action = "stop"\n', 'forwarding.overflow_action'],
      [
        '[forwarding]\ncollector = "c"\nstartup_failure_action = "halt"\n',
        'forwarding.startup_failure_action',
      ],
      ['[forwarding]\ncollector = "c"\nservice_principal = "host/c"\n', 'forwarding.service_principal'],
      ['[forwarding]\ncollector = "c"\nheartbeat_timeout = "forever"\n', 'forwarding.heartbeat_timeout'],
      ['[forwarding]\ncollector = "c"\nqueue = 1\n', 'forwarding'],
      ['[auditd]\nq_depth = 100\n', 'auditd.q_depth'],
      ['[auditd]\nq_depth = 100000\n', 'auditd.q_depth'],
      ['[auditd]\nname_format = "user"\n', 'auditd.name'],
      ['[auditd]\nname_format = "HOSTNAME"\n', 'auditd.name_format'],
      ['[auditd]\nrestart_command = []\n', 'auditd.restart_command'],
    ];
    for (const [text, path] of cases)
      assert.ok(problemPaths(text).includes(path), `${text} → ${problemPaths(text)}`);
  });

  it('refuses a q_depth auditd 3.0.9 would refuse at start', () => {
    assert.throws(() => parseConfig('[auditd]\nq_depth = 100000\n', 't'), /99999/);
  });

  it('explains why syslog is refused for network failures', () => {
    assert.throws(
      () => parseConfig('[forwarding]\ncollector = "c"\nnetwork_failure_action = "syslog"\n', 't'),
      /never reconnects/,
    );
  });
});
