/**
 * What the Debian package documents, generated so it cannot drift: auditrelay(8) from the command line's
 * own help (every command, its options), auditrelay.toml(5) from the configuration reference (the schema),
 * and the bash completion from the same help. No hand-kept copy of an option exists.
 */
import { execFileSync } from 'node:child_process';
import { configReference } from '../evidence/config-reference.js';
import { CLI } from '../harness/exec.js';

/** Text as groff reads it literally: backslashes doubled, no line taken for a request. */
function roff(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function help(args: readonly string[]): string {
  return execFileSync(process.execPath, [CLI, ...args, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '78' },
  });
}

/** The commands the CLI lists, in its order. */
export function commands(): string[] {
  const list =
    help([])
      .split('\n\n')
      .find((block) => block.startsWith('Commands:')) ?? '';
  return [...list.matchAll(/^ {2}auditrelay (\S+)/gm)].map((m) => m[1] ?? '');
}

/** Every `--option` one command's help names. */
function optionsOf(command: string): string[] {
  return [...new Set([...help([command]).matchAll(/^ {2}(--[a-z][a-z-]*)/gm)].map((m) => m[1] ?? ''))];
}

/** Drops blank lines outside .nf/.fi blocks: in fill mode groff takes each for a paragraph break. */
function tidy(page: string): string {
  let fill = true;
  const lines = page.split('\n').filter((line) => {
    if (line === '.nf') fill = false;
    if (line === '.fi') fill = true;
    return !fill || line.trim() !== '';
  });
  return `${lines.join('\n')}\n`;
}

const HEADER = (name: string, section: number, date: string, version: string) =>
  `.TH ${name} ${section} "${date}" "auditrelay ${version}" "auditrelay"\n`;

/** auditrelay(8). */
export function manPage8(version: string, date: string): string {
  const sections = commands().map((c) => `.SS ${c}\n.nf\n${roff(help([c]).trimEnd())}\n.fi\n`);
  const page = [
    HEADER('AUDITRELAY', 8, date, version),
    '.SH NAME\nauditrelay \\- relay device security events into Linux audit, forwarded with Kerberos\n',
    '.SH SYNOPSIS\n.B auditrelay\n.I command\n[\\fIoptions\\fR]\n',
    '.SH DESCRIPTION\nApplications hand security events to the daemon (\\fBauditrelay run\\fR) over',
    'a local socket; it authenticates the sender from the kernel, checks policy, encodes every value and',
    'writes the record into kernel audit through libaudit. auditd forwards every record, Kerberos 5',
    'protected, to the collector and stores none on the device; \\fBauditrelay apply\\fR owns that',
    'configuration.\n',
    '.SH COMMANDS\n',
    ...sections,
    '.SH EXIT STATUS\n0 success; 64 usage; 65 invalid event or records missing; 69 unavailable (problems',
    'found); 70 internal; 74 I/O; 75 temporary; 77 not permitted; 78 configuration. Every error prints its',
    'stable code; /usr/lib/auditrelay/docs/error-codes.md lists them all.\n',
    '.SH FILES\n.TP\n/etc/auditrelay/auditrelay.toml\nthe configuration, see \\fBauditrelay.toml\\fR(5)',
    '.TP\n/run/auditrelay/events.sock\nthe socket applications write events to\n',
    '.SH SEE ALSO\n\\fBauditrelay.toml\\fR(5), \\fBauditd\\fR(8), \\fBaudisp-remote\\fR(8), \\fBausearch\\fR(8)\n',
  ].join('\n');
  return tidy(page);
}

/** auditrelay.toml(5): each section of the reference, each key with its type, default and reloadability. */
export function manPage5(version: string, date: string): string {
  const out = [
    HEADER('AUDITRELAY.TOML', 5, date, version),
    '.SH NAME\nauditrelay.toml \\- configuration of auditrelay\n',
    '.SH DESCRIPTION\nOne TOML file, /etc/auditrelay/auditrelay.toml. Unknown keys are refused; a bad file',
    'is rejected whole with every problem listed by key path. Keys marked \\fIreload\\fR take effect on',
    '\\fBsystemctl reload auditrelay\\fR; the others on restart (apply keys: on the next \\fBauditrelay apply\\fR).\n',
  ];
  for (const line of configReference().split('\n')) {
    const heading = /^## `(.+)`$/.exec(line);
    if (heading !== null) out.push(`.SH ${roff(heading[1] ?? '')}`);
    const row = /^\| `([a-z_]+)` \| ([^|]*) \| ([^|]*) \| ([^|]*) \| (.*) \|$/.exec(line);
    if (row === null) continue;
    const [, key, type, def, reload, meaning] = row;
    const facts = [
      type?.trim(),
      def?.trim() === '—' ? '' : `default ${def?.trim()}`,
      reload?.trim() ? 'reload' : '',
    ]
      .filter((f) => f)
      .join(', ');
    out.push(
      `.TP\n.B ${key}\n(${roff(facts.replaceAll('`', ''))})\n${roff((meaning ?? '').replaceAll('`', ''))}`,
    );
  }
  out.push('.SH SEE ALSO\n\\fBauditrelay\\fR(8)\n');
  return tidy(out.join('\n'));
}

/** /usr/share/bash-completion/completions/auditrelay: commands, then each command's options. */
export function bashCompletion(): string {
  const names = commands();
  const cases = names.map((c) => `\t\t${c}) opts="${optionsOf(c).join(' ')}" ;;`).join('\n');
  return [
    '# bash completion for auditrelay (generated from its --help)',
    '_auditrelay() {',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion in the generated script
    '\tlocal cur="${COMP_WORDS[COMP_CWORD]}" opts',
    '\tif [ "$COMP_CWORD" -eq 1 ]; then',
    `\t\tCOMPREPLY=($(compgen -W "${names.join(' ')} --help --version" -- "$cur"))`,
    '\t\treturn',
    '\tfi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion in the generated script
    '\tcase "${COMP_WORDS[1]}" in',
    cases,
    '\t\t*) opts="--help" ;;',
    '\tesac',
    '\tCOMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    '}',
    'complete -o default -F _auditrelay auditrelay',
    '',
  ].join('\n');
}
