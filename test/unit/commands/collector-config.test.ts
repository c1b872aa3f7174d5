import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, run } from '../../harness/exec.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

describe('collector-config', () => {
  const dir = makeTempDir('auditrelay-collector-');
  after(() => removeTempDir(dir));

  it("prints the collector's keys and the kadmin commands for both principals", async () => {
    writeFileSync(
      join(dir, 'c.toml'),
      '[forwarding]\ncollector = "log.example.com"\nport = 6060\nkrb5_config = "/krb5.conf"\n',
    );
    writeFileSync(join(dir, 'krb5.conf'), '[libdefaults]\n default_realm = EXAMPLE.COM\n');
    const result = await run('node', [
      CLI,
      'collector-config',
      '--config',
      join(dir, 'c.toml'),
      '--root',
      dir,
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.deepEqual(
      {
        port: out.collector_auditd_conf.tcp_listen_port,
        transport: out.collector_auditd_conf.transport,
        principal: out.collector_auditd_conf.krb5_principal,
      },
      { port: '6060', transport: 'KRB5', principal: 'auditd' },
    );
    assert.ok(
      out.kadmin.some((c: string) => c.includes('addprinc -randkey auditd/log.example.com@EXAMPLE.COM')),
    );
    assert.ok(
      out.kadmin.some((c: string) => c.includes(`addprinc -randkey auditd/${hostname()}@EXAMPLE.COM`)),
    );
  });
});
