import { AuditRelayError } from '../errors/error.js';

/** One problem in a config file: where (`daemon.socket_mode`) and what. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** A config file that was rejected whole. Codes: CONFIG_INVALID, CONFIG_SYNTAX, CONFIG_UNREADABLE. */
export class ConfigError extends AuditRelayError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: 'CONFIG_INVALID' | 'CONFIG_SYNTAX' | 'CONFIG_UNREADABLE',
    file: string,
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    const list = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    super(code, `Invalid configuration "${file}" (${problems.length} problem(s)):\n${list}`, options);
    this.file = file;
    this.problems = problems;
  }
}
