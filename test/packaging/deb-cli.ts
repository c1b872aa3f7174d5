/**
 * `npm run deb [-- --arch amd64|arm64|all-supported]`: builds the Debian 13 package for each architecture
 * into dist/deb/ (amd64 by default) and prints what trixie's lintian says of it. Exit status: 0 when every
 * package was built and lintian found no error; 1 when lintian did; 2 for a usage error.
 */
import { ARCHES, type Arch } from '../harness/debian13-root.js';
import { buildDeb, lintDeb } from './deb.js';

const USAGE = `usage: npm run deb [-- --arch amd64|arm64|all-supported]\n`;

function arches(argv: readonly string[]): Arch[] | undefined {
  let chosen: Arch[] = ['amd64'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = arg === '--arch' ? argv[++i] : arg.startsWith('--arch=') ? arg.slice(7) : undefined;
    if (value === undefined) return undefined;
    if (value === 'all-supported') chosen = [...ARCHES];
    else if ((ARCHES as readonly string[]).includes(value)) chosen = [value as Arch];
    else return undefined;
  }
  return chosen;
}

const argv = process.argv.slice(2);
const chosen = argv.includes('--help') || argv.includes('-h') ? undefined : arches(argv);
if (chosen === undefined) {
  process.stderr.write(
    argv.includes('--help') || argv.includes('-h') ? USAGE : `deb: bad arguments\n${USAGE}`,
  );
  process.exitCode = argv.includes('--help') || argv.includes('-h') ? 0 : 2;
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
