/**
 * The relay's collector connection from a privileged source port (forwarding.source_port): below 1024 and
 * in rresvport's range; a port already taken is replaced by another below 1024, never by an ephemeral
 * one the collector would turn away; without the capability the error says what is missing. Against a
 * loopback listener standing in for the collector (these tests run as root).
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openUpstream, PRIVILEGED_PORTS, reset } from '../../../src/relay/upstream.js';
import { REPO_ROOT, run } from '../../harness/exec.js';

const listen = (server: Server, port = 0, host = '127.0.0.1') =>
  new Promise<number>((resolve) =>
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port)),
  );

describe('upstream source port', {
  skip: process.getuid?.() !== 0 ? 'needs root (a port below 1024)' : false,
}, () => {
  const collector = createServer((socket) => socket.on('error', () => undefined));
  const squatter = createServer();
  let port = 0;
  before(async () => {
    port = await listen(collector);
  });
  after(() => {
    collector.close();
    squatter.close();
  });

  it('connects from a port below 1024 in the privileged range, and from an ephemeral one otherwise', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = await openUpstream({ host: '127.0.0.1', port, privilegedSource: true }, undefined);
      const local = socket.localPort ?? 0;
      reset(socket);
      assert.ok(local >= PRIVILEGED_PORTS.from && local <= PRIVILEGED_PORTS.to, `port ${local}`);
    }
    const any = await openUpstream({ host: '127.0.0.1', port }, undefined);
    assert.ok((any.localPort ?? 0) >= 1024);
    reset(any);
  });

  it('replaces a taken port by another below 1024', async () => {
    const taken = await listen(squatter, 1019, '0.0.0.0');
    const socket = await openUpstream({ host: '127.0.0.1', port, privilegedSource: true }, taken);
    const local = socket.localPort ?? 0;
    reset(socket);
    assert.notEqual(local, taken);
    assert.ok(local >= PRIVILEGED_PORTS.from && local <= PRIVILEGED_PORTS.to, `port ${local}`);
  });

  it('says CAP_NET_BIND_SERVICE is missing when it cannot bind below 1024', async () => {
    const script =
      `const { openUpstream } = await import('${REPO_ROOT}dist/src/relay/upstream.js');` +
      `try { await openUpstream({ host: '127.0.0.1', port: ${port}, privilegedSource: true }, undefined); console.log('connected'); }` +
      'catch (e) { console.log(String(e.message)); }';
    // Root without CAP_NET_BIND_SERVICE (out of the bounding set): the clone may be readable by root only.
    const result = await run('setpriv', [
      '--bounding-set=-net_bind_service',
      '--inh-caps=-all',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
    ]);
    assert.match(result.stdout, /below 1024 .*needs CAP_NET_BIND_SERVICE/, result.stderr);
  });
});
