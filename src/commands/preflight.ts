/**
 * `auditrelay preflight --config FILE [--root DIR] [--json]`: the Kerberos checks, each with a verdict and
 * the fix. Exits 0 when all pass, 78 (PREFLIGHT_FAILED) otherwise.
 */
import type { CommandModule } from 'yargs';
import { AuditRelayError } from '../errors.js';
import { preflight } from '../kerberos/preflight.js';
import { loadConfigFile } from './load-config.js';
import { makeOutput } from './output.js';
import { checkLines } from './report.js';
import { DEFAULT_CONFIG } from './run.js';

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
      .option('config', { type: 'string', default: DEFAULT_CONFIG, describe: 'Config file' })
      .option('root', { type: 'string', default: '/', describe: 'Read keytab and krb5.conf under this root' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: async (args) => {
    const config = await loadConfigFile(args.config);
    if (config.forwarding === undefined)
      throw new AuditRelayError('CONFIG_NO_FORWARDING', 'The config has no [forwarding] section');
    const report = await preflight(config.forwarding, { root: args.root });
    makeOutput(args.json).result(
      report,
      [`Kerberos preflight (client ${report.client ?? '?'})`, ...checkLines(report.checks)].join('\n'),
    );
    if (!report.ok) throw new AuditRelayError('PREFLIGHT_FAILED', 'Kerberos preflight failed (see above)');
  },
};
