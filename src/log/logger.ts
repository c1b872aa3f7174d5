/**
 * The logger factory (winston, syslog levels). Under systemd (JOURNAL_STREAM set) lines are plain text with
 * `<N>` priority prefixes and no timestamp, so journald records the level; elsewhere a timestamped line.
 * The logger is passed to the components that log: nothing imports a global one.
 */
import winston from 'winston';

export type Logger = Pick<winston.Logger, 'error' | 'warning' | 'notice' | 'info' | 'debug' | 'crit'>;

const PRIORITY: Readonly<Record<string, number>> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

export interface LoggerOptions {
  readonly level?: string;
  /** Write to this stream instead of stderr (tests). */
  readonly stream?: NodeJS.WritableStream;
  readonly journal?: boolean;
}

function detail(meta: Record<string, unknown>): string {
  const keys = Object.keys(meta).filter((k) => k !== 'level' && k !== 'message' && k !== 'timestamp');
  return keys.length === 0 ? '' : ` ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, meta[k]])))}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const journal = options.journal ?? process.env['JOURNAL_STREAM'] !== undefined;
  const line = journal
    ? winston.format.printf((info) => `<${PRIORITY[info.level] ?? 6}>${String(info.message)}${detail(info)}`)
    : winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf(
          (info) => `${String(info['timestamp'])} ${info.level}: ${String(info.message)}${detail(info)}`,
        ),
      );
  const transport = new winston.transports.Stream({ stream: options.stream ?? process.stderr });
  return winston.createLogger({
    levels: winston.config.syslog.levels,
    level: options.level ?? process.env['AUDITRELAY_LOG_LEVEL'] ?? 'info',
    format: line,
    transports: [transport],
  });
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return winston.createLogger({ levels: winston.config.syslog.levels, silent: true });
}
