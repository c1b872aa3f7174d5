/** The OS fd behind a net.Socket (Node keeps it on an internal handle), for the options only C can set. */
import { AuditRelayError } from './errors/error.js';

export function socketFd(socket: object): number {
  const handle: unknown = Reflect.get(socket, '_handle');
  const fd: unknown = typeof handle === 'object' && handle !== null ? Reflect.get(handle, 'fd') : undefined;
  if (typeof fd !== 'number' || fd < 0)
    throw new AuditRelayError('PEER_NO_FD', 'The connection has no file descriptor');
  return fd;
}
