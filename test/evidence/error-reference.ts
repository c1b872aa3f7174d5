/**
 * docs/error-codes.md and the reply-code table of docs/protocol.md, generated from the code registry
 * (src/errors/codes.ts, the only source of codes, exit statuses and meanings). A unit test fails when a
 * committed document is stale; `npm run evidence` rewrites them.
 */
import { CODES, type CodeInfo, ERRNO_CODES, type Surface } from '../../src/errors/codes.js';

const SECTIONS: ReadonlyArray<readonly [Surface, string, string]> = [
  [
    'reply',
    'Socket replies',
    'In `{"ok":false,"error":{"code":…}}` replies (protocol.md), and from the TypeScript client as `ClientError.code`.',
  ],
  [
    'cli',
    'Command errors',
    'Printed as `auditrelay: <message> [<CODE>]` (or `{"ok":false,"error":…}` with `--json`); the command exits with the status shown.',
  ],
  [
    'status',
    'Problems `status` reports',
    'Each listed with its message; `status` then exits 69 (`STATUS_PROBLEMS`).',
  ],
  [
    'preflight',
    'Failed Kerberos checks',
    'In the checks of `preflight`, `apply` and `status`; `preflight` then exits 78.',
  ],
  [
    'log',
    'Problems the daemon logs',
    "In the daemon's log (the journal under systemd), with the code; what they cost is counted in `status`.",
  ],
];

type Row = readonly [string, CodeInfo];

function table(rows: readonly Row[], withExit: boolean): string {
  const head = withExit ? '| code | exit | meaning |\n|---|---|---|' : '| code | meaning |\n|---|---|';
  const lines = rows.map(([code, info]) =>
    withExit ? `| \`${code}\` | ${info.exit} | ${info.meaning} |` : `| \`${code}\` | ${info.meaning} |`,
  );
  return [head, ...lines].join('\n');
}

const all = (): Row[] => [...Object.entries(CODES), ...Object.entries(ERRNO_CODES)];

/** The codes a client of the socket can get, for docs/protocol.md. */
export function replyCodeTable(): string {
  return table(
    all().filter(([, info]) => info.where.includes('reply')),
    false,
  );
}

export function errorReference(): string {
  const parts = [
    '# auditrelay error codes',
    '',
    '<!-- Generated from src/errors/codes.ts by `npm run evidence`; a test fails when it is stale. -->',
    '',
    'Every code is stable (messages may change). Exit statuses follow sysexits: 64 usage, 65 invalid data,',
    '69 unavailable, 70 internal, 74 I/O, 75 temporary, 77 not permitted, 78 configuration. Codes named after',
    'an errno (`EPERM`, `ECONNREFUSED`, …) come from a failed system call; an errno not listed here exits 1.',
  ];
  for (const [surface, title, intro] of SECTIONS) {
    parts.push(
      '',
      `## ${title}`,
      '',
      intro,
      '',
      table(
        all().filter(([, i]) => i.where.includes(surface)),
        true,
      ),
    );
  }
  return `${parts.join('\n')}\n`;
}

const BEGIN = '<!-- reply codes: generated from src/errors/codes.ts -->';
const END = '<!-- end of reply codes -->';

/** `text` (docs/protocol.md) with the reply-code table between its markers replaced by the current one. */
export function withReplyCodes(text: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/protocol.md lacks the markers ${BEGIN} … ${END}`);
  return `${text.slice(0, start + BEGIN.length)}\n\n${replyCodeTable()}\n\n${text.slice(end)}`;
}
