/**
 * `npm run deb [-- --arch amd64|arm64|all-supported]`: builds the Debian 13 package for each architecture
 * into dist/deb/ (amd64 by default) and prints what trixie's lintian says of it. Exit status: 0 when every
 * package was built and lintian found no error; 1 when lintian did; 2 for a usage error.
 */
import { ARCHES, type Arch } from '../harness/debian13-root.js';
import { buildDeb, lintDeb } from './deb.js';

const USAGE = `usage: npm run deb [-- --arch amd64|arm64|all-supported]\n`;

/** The architectures asked for, or why the arguments are wrong. */
function arches(argv: readonly string[]): Arch[] | string {
  let chosen: Arch[] = ['amd64'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = arg === '--arch' ? argv[++i] : arg.startsWith('--arch=') ? arg.slice(7) : undefined;
    if (value === undefined) return arg === '--arch' ? '--arch needs a value' : `unknown argument ${arg}`;
    if (value === 'all-supported') chosen = [...ARCHES];
    else if ((ARCHES as readonly string[]).includes(value)) chosen = [value as Arch];
    else return `no package for architecture ${JSON.stringify(value)} (supported: ${ARCHES.join(', ')})`;
  }
  return chosen;
}

const argv = process.argv.slice(2);
const help = argv.includes('--help') || argv.includes('-h');
const chosen = help ? [] : arches(argv);
if (help) {
  process.stdout.write(USAGE);
} else if (typeof chosen === 'string') {
  process.stderr.write(`deb: ${chosen}\n${USAGE}`);
  process.exitCode = 2;
} else {
  for (const arch of chosen) {
    const started = Date.now();
    process.stdout.write(`building the ${arch} package…\n`);
    const deb = buildDeb(arch);
    process.stdout.write(`built ${deb} (${((Date.now() - started) / 1000).toFixed(0)} s)\nlintian:\n`);
    const lint = lintDeb(deb);
    process.stdout.write(lint.output === '' ? '  (nothing to report)\n' : lint.output);
    if (lint.code !== 0) process.exitCode = 1;
  }
}
