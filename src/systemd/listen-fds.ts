/**
 * Socket activation (sd_listen_fds_with_names(3)): when LISTEN_PID is us, systemd passed LISTEN_FDS
 * listening sockets from fd 3 on, named in LISTEN_FDNAMES (colon-separated; a socket unit's
 * FileDescriptorName=, else the unit's name). auditrelay.socket passes the applications' socket
 * ("events"), auditrelay-relay.socket the relay's loopback port ("relay"). A single unnamed fd is the
 * events socket. The variables are removed so children do not inherit them.
 */
export const SD_LISTEN_FDS_START = 3;

export interface ListenFds {
  readonly events?: number | undefined;
  readonly relay?: number | undefined;
}

export function listenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): ListenFds {
  const count = Number(env['LISTEN_FDS'] ?? 0);
  const forUs = env['LISTEN_PID'] === String(pid);
  const names = (env['LISTEN_FDNAMES'] ?? '').split(':');
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_FDNAMES'];
  if (!forUs || !Number.isInteger(count) || count < 1) return {};
  const fds: { events?: number; relay?: number } = {};
  for (let i = 0; i < count; i++) {
    const name = names[i] ?? '';
    const fd = SD_LISTEN_FDS_START + i;
    if (name === 'relay' || name === 'auditrelay-relay.socket') fds.relay ??= fd;
    else fds.events ??= fd;
  }
  return fds;
}
