/**
 * One-shot commands load only what they use: `emit --socket` (what a login service calls per event),
 * `--help` and `--version` must not pay for zod, winston, koffi, smol-toml, the kerberos addon or the
 * daemon. Checked by module hooks that print every loaded URL; `config check`, which needs them, is the
 * control.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLI, REPO_ROOT, run } from '../../harness/exec.js';

const HEAVY =
  /node_modules\/(zod|winston|koffi|smol-toml|kerberos)\/|dist\/src\/(config\/schema|log|native|daemon)\/|dist\/native\//;

async function loaded(args: readonly string[]): Promise<string[]> {
  const { stderr } = await run(process.execPath, [
    '--import',
    `${REPO_ROOT}test/harness/module-trace.mjs`,
    CLI,
    ...args,
  ]);
  return [...stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1] ?? '');
}

describe('command start-up', () => {
  it('emit --socket, --help and --version load no heavy module', async () => {
    for (const args of [
      ['emit', '--socket', '/nonexistent/auditrelay.sock', '--type', 'USYS_CONFIG', 'a=b'],
      ['--help'],
      ['--version'],
    ]) {
      const urls = await loaded(args);
      assert.ok(
        urls.some((u) => u.includes('node_modules/yargs/')),
        'the trace sees modules',
      );
      assert.deepEqual(
        urls.filter((u) => HEAVY.test(u)),
        [],
        args.join(' '),
      );
    }
  });

  it('run, as the unit starts it, never loads yargs', async () => {
    const urls = await loaded(['run', '--config', '/nonexistent/auditrelay.toml']);
    assert.ok(
      urls.some((u) => u.includes('dist/src/config/load.js')),
      'the trace sees modules',
    );
    assert.deepEqual(
      urls.filter((u) => u.includes('node_modules/yargs')),
      [],
    );
  });

  it('config check loads the schema (the control)', async () => {
    const urls = await loaded(['config', 'check', '--config', `${REPO_ROOT}config/auditrelay.toml`]);
    assert.ok(urls.some((u) => u.includes('node_modules/zod/')));
  });
});
