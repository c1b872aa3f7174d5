/**
 * Restarting auditd after a managed file changed: audisp-remote reads its config only when it starts, and
 * SIGHUP does not restart it (platform-facts). The command is configurable; by default `systemctl restart
 * auditd` when systemd runs and we manage the real root, else nothing (and apply says so).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AuditRelayError } from '../errors/error.js';

export function restartCommand(
  configured: readonly string[] | undefined,
  root: string,
): readonly string[] | undefined {
  if (configured !== undefined) return configured;
  return root === '/' && existsSync('/run/systemd/system') ? ['systemctl', 'restart', 'auditd'] : undefined;
}

export function runRestart(command: readonly string[]): Promise<void> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    execFile(file ?? '', args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else
        reject(
          new AuditRelayError(
            'APPLY_RESTART_FAILED',
            `${command.join(' ')} failed: ${stderr.trim() || error.message}`,
          ),
        );
    });
  });
}
