/**
 * `auditrelay apply --config FILE [--root DIR] [--dry-run | --diff] [--no-restart] [--force]`: makes auditd
 * forward every record to the collector and store none — atomically, idempotently, and only after the
 * Kerberos preflight passed (unless --force).
 */

import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { detectAudit } from '../forwarding/installed-audit.js';
import { makePlan, type Plan } from '../forwarding/plan.js';
import { restartCommand, runRestart } from '../forwarding/restart.js';
import { unifiedDiff } from '../forwarding/unified-diff.js';
import { clearJournal, commitAll, journalPath, resumeJournal } from '../forwarding/write-journal.js';
import { type PreflightReport, preflight } from '../kerberos/preflight.js';
import { underRoot } from '../root-path.js';
import { checkLines } from './check-lines.js';
import { loadForwardingConfig } from './load-config.js';
import { CONFIG_OPTION, JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface ApplyArgs {
  config: string;
  root: string;
  'dry-run': boolean;
  diff: boolean;
  restart: boolean;
  force: boolean;
  json: boolean;
}

interface Outcome {
  readonly written: boolean;
  readonly restart: string;
  /** Files of an earlier apply a crash interrupted, finished now. */
  readonly resumed: readonly string[];
}

function human(plan: Plan, report: PreflightReport, outcome: Outcome): string {
  const lines = plan.files.map(
    (f) => `  ${f.changed ? (outcome.written ? 'changed  ' : 'would change') : 'unchanged'} ${f.devicePath}`,
  );
  return [
    'Managed files:',
    ...outcome.resumed.map((path) => `  finished  ${path} (an apply interrupted earlier)`),
    ...lines,
    `auditd: ${outcome.restart}`,
    ...plan.notes.map((n) => `note: ${n}`),
    ...plan.warnings.map((w) => `WARNING: ${w}`),
    ...plan.leaks.map((l) => `LOCAL STORAGE: ${l.message} — fix: ${l.fix} [${l.code}]`),
    'Kerberos preflight:',
    ...checkLines(report.checks),
  ].join('\n');
}

async function restartIfNeeded(
  pending: boolean,
  args: ApplyArgs,
  configured: readonly string[] | undefined,
): Promise<string> {
  if (!pending) return 'not restarted (nothing changed)';
  if (!args.restart) return 'NOT restarted (--no-restart): restart auditd for the change to take effect';
  const command = restartCommand(configured, args.root);
  if (command === undefined)
    return 'NOT restarted (no systemd here and no auditd.restart_command): restart auditd yourself';
  await runRestart(command);
  return `restarted (${command.join(' ')})`;
}

export const applyCommand: CommandModule<object, ApplyArgs> = {
  command: 'apply',
  describe: 'Write the audisp-remote/auditd configuration and restart auditd',
  builder: (yargs) =>
    yargs
      .option('config', CONFIG_OPTION)
      .option('root', {
        type: 'string',
        default: '/',
        describe: 'Apply under this root (image builds, tests)',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Show what would change; write nothing',
      })
      .option('diff', { type: 'boolean', default: false, describe: 'Print a unified diff; write nothing' })
      .option('restart', {
        type: 'boolean',
        default: true,
        describe: 'Restart auditd when a file changed (--no-restart)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Write even when the Kerberos preflight fails',
      })
      .option('json', JSON_OPTION),
  handler: async (args) => {
    const { config, forwarding } = await loadForwardingConfig(args.config);
    const write = !args['dry-run'] && !args.diff;
    const journal = underRoot(args.root, journalPath(config.auditd.config_dir));
    // A change a crash interrupted is finished first (it passed its own preflight): the plan then starts
    // from a consistent set, and the restart that change still needs is not lost.
    const resumed = (write ? resumeJournal(journal) : undefined) ?? [];
    const plan = makePlan(config, args.root, detectAudit(args.root));
    const report = await preflight(forwarding, { root: args.root });
    if (args.diff) {
      process.stdout.write(
        plan.files.map((f) => unifiedDiff(f.devicePath, f.before ?? '', f.after)).join(''),
      );
      return;
    }
    const output = makeOutput(args.json);
    if (write && !report.ok && !args.force) {
      output.result(
        { ok: false, written: false, preflight: report },
        human(plan, report, { written: false, restart: 'not restarted', resumed }),
      );
      throw new AuditRelayError(
        'PREFLIGHT_FAILED',
        'Kerberos preflight failed: nothing written (--force writes anyway)',
      );
    }
    const changed = plan.files.filter((f) => f.changed);
    if (write && changed.length > 0)
      commitAll(
        journal,
        changed.map((f) => ({ path: f.path, content: f.after, mode: f.mode })),
      );
    const pending = changed.length > 0 || resumed.length > 0;
    const restart = write
      ? await restartIfNeeded(pending, args, config.auditd.restart_command)
      : 'not restarted (dry run)';
    // The change took effect (or the output told the integrator to restart auditd): forget it.
    if (write) clearJournal(journal);
    output.result(
      {
        ok: true,
        dry_run: !write,
        changed: changed.map((f) => f.devicePath),
        resumed,
        unchanged: plan.files.filter((f) => !f.changed).map((f) => f.devicePath),
        auditd: restart,
        notes: plan.notes,
        warnings: plan.warnings,
        leaks: plan.leaks,
        preflight: report,
      },
      human(plan, report, { written: write, restart, resumed }),
    );
  },
};
