/**
 * `npm run evidence`: writes evidence/ — what a device maker hands to the assessor: the compliance matrix
 * (Markdown), the SBOM, the report of a full test run, the latest benchmark figures with their machine, the
 * dependency assessment with `npm audit --omit=dev`; and regenerates docs/configuration.md, docs/error-codes.md
 * and the reply codes of docs/protocol.md.
 * `--no-tests` skips the (two-minute) test run.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/exec.js';
import { configReference } from './config-reference.js';
import { errorReference, withReplyCodes } from './error-reference.js';
import { renderMatrix } from './matrix.js';
import { makeSbom } from './sbom.js';
import { loadTraceability } from './traceability.js';

const OUT = join(REPO_ROOT, 'evidence');
const say = (line: string) => process.stdout.write(`${line}\n`);

function command(file: string, args: string[]): { code: number; output: string } {
  const result = spawnSync(file, args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(REPO_ROOT, 'docs/configuration.md'), configReference());
say('docs/configuration.md regenerated from the schema');
writeFileSync(join(REPO_ROOT, 'docs/error-codes.md'), errorReference());
const protocol = join(REPO_ROOT, 'docs/protocol.md');
writeFileSync(protocol, withReplyCodes(readFileSync(protocol, 'utf8')));
say('docs/error-codes.md and the reply codes of docs/protocol.md regenerated from the code registry');
writeFileSync(join(OUT, 'compliance-matrix.md'), renderMatrix(loadTraceability()));
say('evidence/compliance-matrix.md');
writeFileSync(join(OUT, 'sbom.cdx.json'), `${JSON.stringify(makeSbom(), null, 2)}\n`);
say('evidence/sbom.cdx.json');
copyFileSync(join(REPO_ROOT, 'docs/dependencies.md'), join(OUT, 'dependencies.md'));
const audit = command('npm', ['audit', '--omit=dev']);
writeFileSync(join(OUT, 'npm-audit.txt'), `$ npm audit --omit=dev   (exit ${audit.code})\n${audit.output}`);
say(
  `evidence/npm-audit.txt (npm audit exit ${audit.code}${audit.output.includes('audit endpoint returned an error') ? ': this registry offers no audit endpoint' : ''})`,
);
const bench = join(REPO_ROOT, '.bench/latest.json');
if (existsSync(bench)) copyFileSync(bench, join(OUT, 'benchmarks.json'));
say(
  existsSync(bench)
    ? 'evidence/benchmarks.json (from the last npm run bench)'
    : 'no benchmark figures yet: run npm run bench, then npm run evidence',
);
if (!process.argv.includes('--no-tests')) {
  say('running the full test suite (npm test) for the report…');
  const tests = command('bash', ['scripts/test.sh']);
  writeFileSync(join(OUT, 'test-report.txt'), tests.output);
  say(`evidence/test-report.txt (exit ${tests.code})`);
  process.exitCode = tests.code;
}
