/**
 * One-shot commands, as a login service or a shell script calls them: wall time from spawn to exit, beside
 * the floors measured in the same run (a bare `node -e ''`, and the C baseline writing one record).
 */
import { configFor, startDaemon } from '../harness/daemon.js';
import { CLI, REPO_ROOT, run } from '../harness/exec.js';
import { type BenchRow, median } from './stats.js';

async function wallMs(file: string, args: readonly string[]): Promise<number> {
  const start = performance.now();
  const result = await run(file, args);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return performance.now() - start;
}

export async function benchCli(rounds: number): Promise<BenchRow[]> {
  const daemon = await startDaemon({ config: configFor([0], ['TRUSTED_APP']) });
  try {
    const cases: Array<[string, string, readonly string[]]> = [
      ["bare node -e '' (floor for any Node CLI)", process.execPath, ['-e', '']],
      ['C baseline: process + 1 record', `${REPO_ROOT}dist/test/bench/emit-baseline`, ['1', 'cli-bench']],
      ['auditrelay --version', process.execPath, [CLI, '--version']],
      [
        'auditrelay emit --socket (1 event, acked)',
        process.execPath,
        [CLI, 'emit', '--socket', daemon.socket, '--type', 'TRUSTED_APP', 'bench=cli'],
      ],
    ];
    const samples = cases.map((): number[] => []);
    for (let r = 0; r < rounds; r++) {
      for (const [i, [, file, args]] of cases.entries()) samples[i]?.push(await wallMs(file, args));
    }
    return cases.map(([name], i) => ({ name, value: median(samples[i] ?? []), unit: 'ms' }));
  } finally {
    await daemon.stop();
  }
}
