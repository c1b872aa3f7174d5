/**
 * `auditrelay preflight --config FILE [--root DIR] [--json]`: the Kerberos checks, each with a verdict and
 * the fix. Exits 0 when all pass, 78 (PREFLIGHT_FAILED) otherwise.
 */
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors/error.js';
import { preflight } from '../kerberos/preflight.js';
import { checkLines } from './check-lines.js';
import { loadForwardingConfig } from './load-config.js';
import { CONFIG_OPTION, JSON_OPTION } from './options.js';
import { makeOutput } from './output.js';

interface PreflightArgs {
  config: string;
  root: string;
  json: boolean;
}

export const preflightCommand: CommandModule<object, PreflightArgs> = {
  command: 'preflight',
  describe: 'Check the keytab and obtain a Kerberos ticket for the collector',
  builder: (yargs) =>
    yargs
      .option('config', CONFIG_OPTION)
      .option('root', { type: 'string', default: '/', describe: 'Read keytab and krb5.conf under this root' })
      .option('json', JSON_OPTION),
  handler: async (args) => {
    const { forwarding } = await loadForwardingConfig(args.config);
    const report = await preflight(forwarding, { root: args.root });
    makeOutput(args.json).result(
      report,
      [`Kerberos preflight (client ${report.client ?? '?'})`, ...checkLines(report.checks)].join('\n'),
    );
    if (!report.ok) throw new AuditRelayError('PREFLIGHT_FAILED', 'Kerberos preflight failed (see above)');
  },
};
