/** `npm run deb`: builds the Debian 13 package into dist/deb/ and prints what trixie's lintian says of it. */
import { buildDeb, lintDeb } from './deb.js';

const deb = buildDeb();
process.stdout.write(`built ${deb}\nlintian:\n`);
const lint = lintDeb(deb);
process.stdout.write(lint.output === '' ? '  (nothing to report)\n' : lint.output);
process.exitCode = lint.code;
