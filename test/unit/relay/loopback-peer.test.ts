/** Reading a loopback connection's owner from /proc/net/tcp text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { socketOwner } from '../../../src/relay/loopback-peer.js';

// Two sockets of one loopback connection (127.0.0.1:40000 ↔ 127.0.0.1:61) and a listener, as the kernel
// lists them: the client side owned by root, the relay's side by uid 998.
const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:003D 00000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 1001 1 0 100 0 0 10 0
   1: 0100007F:9C40 0100007F:003D 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0 20 4 30 10 -1
   2: 0100007F:003D 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   998        0 1003 1 0 20 4 30 10 -1
   3: 0100007F:9C41 0100007F:003D 06 00000000:00000000 03:00000000 00000000  1000        0 0 3 0
`;

describe('loopback peer owner', () => {
  it("finds the uid of the peer's own socket, not ours or a listener's", () => {
    const peer = { address: '127.0.0.1', port: 40000 };
    const us = { address: '127.0.0.1', port: 61 };
    assert.equal(socketOwner(TABLE, peer, us), 0);
    assert.equal(socketOwner(TABLE, us, peer), 998);
  });

  it('knows nothing of a connection that is not ESTABLISHED, or of another port', () => {
    assert.equal(
      socketOwner(TABLE, { address: '127.0.0.1', port: 40001 }, { address: '127.0.0.1', port: 61 }),
      undefined,
    );
    assert.equal(
      socketOwner(TABLE, { address: '127.0.0.1', port: 40002 }, { address: '127.0.0.1', port: 61 }),
      undefined,
    );
  });

  it('reads IPv4-mapped addresses as IPv4', () => {
    assert.equal(
      socketOwner(
        TABLE,
        { address: '::ffff:127.0.0.1', port: 40000 },
        { address: '::ffff:127.0.0.1', port: 61 },
      ),
      0,
    );
  });
});
