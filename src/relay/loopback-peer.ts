/**
 * Who owns the other end of a loopback TCP connection: the kernel's table of TCP sockets
 * (/proc/net/tcp, tcp6; readable by any user) names each socket's owner uid. Only audisp-remote, which
 * runs as root, may use the relay: a connection whose peer socket is not owned by uid 0 is refused.
 * A local user can neither create a socket owned by root nor take over the peer's port while the
 * connection exists.
 *
 * @relation(AR-REQ-019)
 */
import { readFileSync } from 'node:fs';

/** An address and port as /proc/net/tcp writes them: hex, the address in the kernel's byte order. */
function procAddress(address: string, port: number): string | undefined {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  if (v4 !== null) {
    const bytes = v4.slice(1, 5).map(Number);
    // Little-endian on the machines auditrelay runs on (x86_64, arm64): 127.0.0.1 is 0100007F.
    const hex = bytes
      .reverse()
      .map((b) => b.toString(16).toUpperCase().padStart(2, '0'))
      .join('');
    return `${hex}:${hexPort}`;
  }
  return undefined;
}

/**
 * The uid owning the socket at `local` connected to `remote`, from the text of /proc/net/tcp; undefined
 * when no such ESTABLISHED socket is listed.
 */
export function socketOwner(
  table: string,
  local: { address: string; port: number },
  remote: { address: string; port: number },
): number | undefined {
  const l = procAddress(local.address, local.port);
  const r = procAddress(remote.address, remote.port);
  if (l === undefined || r === undefined) return undefined;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === l && f[2] === r && f[3] === '01') {
      const uid = Number(f[7]);
      return Number.isInteger(uid) ? uid : undefined;
    }
  }
  return undefined;
}

/** The owner uid of the peer socket of an accepted IPv4 loopback connection, or undefined. */
export function loopbackPeerOwner(
  peer: { address: string; port: number },
  us: { address: string; port: number },
  proc = '/proc',
): number | undefined {
  try {
    return socketOwner(readFileSync(`${proc}/net/tcp`, 'latin1'), peer, us);
  } catch {
    return undefined;
  }
}
