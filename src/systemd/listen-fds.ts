/**
 * Socket activation (sd_listen_fds(3)): when LISTEN_PID is us and LISTEN_FDS >= 1, systemd passed the
 * listening socket as fd 3. The variables are removed so children do not inherit them.
 */
export const SD_LISTEN_FDS_START = 3;

export function listenFd(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  const fds = Number(env['LISTEN_FDS'] ?? 0);
  const forUs = env['LISTEN_PID'] === String(pid);
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_FDNAMES'];
  return forUs && fds >= 1 ? SD_LISTEN_FDS_START : undefined;
}
