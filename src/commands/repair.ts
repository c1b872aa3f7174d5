/**
 * `auditrelay repair --config FILE [--json]` (root): when auditd runs without audisp-remote and will not
 * start it again, restarts auditd (forwarding/repair.ts). auditrelay-repair.service runs it when the
 * daemon asks (auditrelay-repair.path); by hand it is safe at any time. Exit 0: forwarding runs (or there
 * was nothing to do); 69 when it was held back (too many restarts this hour).
 */
import { rmSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { repairRequestPath } from '../forwarding/repair-request.js';
import { loadForwardingConfig } from './load-config.js';
import { CONFIG_OPTION, JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface RepairArgs {
  config: string;
  'state-dir': string;
  json: boolean;
}

export const repairCommand: CommandModule<object, RepairArgs> = {
  command: 'repair',
  describe: 'Restart auditd when it runs without audisp-remote and will not start it again (root)',
  builder: (yargs) =>
    yargs
      .option('config', CONFIG_OPTION)
      .option('state-dir', {
        type: 'string',
        default: '/run/auditrelay-repair',
        describe: 'Where restart times are kept (root only)',
      })
      .option('json', JSON_OPTION),
  handler: async (args) => {
    const { config } = await loadForwardingConfig(args.config);
    // The daemon's request, if any, is answered now; unlink never follows a link.
    rmSync(repairRequestPath(config.daemon.socket), { force: true });
    const { repairForwarding } = await import('../forwarding/repair.js');
    const { restartCommand, runRestart } = await import('../forwarding/restart.js');
    const { auditOpen, auditClose, logUserMessage } = await import('../../native/libaudit.js');
    const { kernelAuditStatus } = await import('../../native/audit-status.js');
    const command = restartCommand(config.auditd.restart_command, '/');
    const outcome = await repairForwarding({
      kernelAuditd: () => {
        const pid = kernelAuditStatus().pid;
        return pid > 0 ? pid : undefined;
      },
      probe: () => {
        const fd = auditOpen();
        try {
          logUserMessage(fd, {
            type: 1121,
            message: 'op=auditrelay-repair-probe',
            addr: null,
            success: true,
          });
        } finally {
          auditClose(fd);
        }
      },
      restart: async () => {
        if (command === undefined)
          throw new AuditRelayError(
            'APPLY_RESTART_FAILED',
            'no way to restart auditd: set [auditd] restart_command',
          );
        await runRestart(command);
      },
      stateDir: args['state-dir'],
    });
    makeOutput(args.json).result(
      { ok: outcome.state !== 'held-back', ...outcome },
      `${outcome.state}: ${outcome.message}`,
    );
    if (outcome.state === 'held-back') throw new AuditRelayError('REPAIR_HELD_BACK', outcome.message);
  },
};
