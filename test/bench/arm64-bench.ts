/**
 * The arm64 build under qemu-user (cortex-a53) on this amd64 machine — emulation, not a board's speed:
 * trixie's arm64 Node with the package's cross-built modules, in a throwaway copy of the arm64 trixie root,
 * writing into this machine's kernel. Beside the C baseline cross-compiled for arm64 and run under the
 * same emulation (the ratio is what carries over to a board, the rates do not), the CLI's start-up and
 * the daemon's idle RSS — which includes qemu's own memory and translated code, so it overstates a board's.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from '../harness/debian13-root.js';
import { REPO_ROOT } from '../harness/exec.js';
import { ScratchRoot } from '../harness/throwaway-root.js';
import { crossSetup, trixieModules } from '../harness/trixie-modules.js';
import { type BenchRow, median } from './stats.js';

const SOURCE = join(REPO_ROOT, 'native/c/emit-baseline.c');

/** emit-baseline for arm64, cross-compiled in a copy of the amd64 root, cached per source. */
export function arm64Baseline(): string {
  const key = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const cached = join(CACHE_DIR, `emit-baseline-arm64-${key}`);
  if (existsSync(cached)) return cached;
  const out = execFileSync('mktemp', ['-d', '/var/tmp/auditrelay-baseline-XXXXXX'], {
    encoding: 'utf8',
  }).trim();
  const scratch = new ScratchRoot('amd64');
  try {
    copyFileSync(SOURCE, join(out, 'emit-baseline.c'));
    const { code, output } = scratch.run(
      out,
      [
        ...crossSetup(['gcc-aarch64-linux-gnu', 'libc6-dev:arm64', 'libaudit-dev:arm64']),
        'aarch64-linux-gnu-gcc -O2 -Wall -o /opt/out/emit-baseline /opt/out/emit-baseline.c -laudit',
      ].join('\n'),
    );
    if (code !== 0) throw new Error(`cross-compiling emit-baseline for arm64: ${output}`);
    renameSync(join(out, 'emit-baseline'), cached);
    return cached;
  } finally {
    scratch.remove();
    rmSync(out, { recursive: true, force: true });
  }
}

/** The script run inside the arm64 root: every measurement, one `KEY=value` line each. */
function script(n: number, rounds: number): string {
  const ms = (command: string, key: string) =>
    `s=$(date +%s%N); ${command} >/dev/null 2>&1 || echo "FAILED=${key}"; e=$(date +%s%N); echo "${key}=$(( (e-s)/1000000 ))"`;
  const lines = ['cd /opt/auditrelay'];
  for (let r = 0; r < rounds; r++) {
    lines.push(`echo "C=$(/opt/out/emit-baseline ${n} arm64)"`);
    lines.push(`echo "BATCHED=$(node dist/test/bench/emitter-child.js ${n} batched)"`);
    lines.push(`echo "SINGLE=$(node dist/test/bench/emitter-child.js ${Math.floor(n / 4)} single)"`);
    lines.push(ms('node dist/src/cli.js --version', 'VERSION_MS'));
    lines.push(ms("node -e ''", 'NODE_MS'));
  }
  lines.push(
    'mkdir -p -m 0755 /run/auditrelay',
    'AUDITRELAY_KERNEL_LOST_AT_START=0 node dist/src/cli.js run --config /opt/out/bench.toml >/tmp/daemon.log 2>&1 & d=$!',
    'i=0; while [ ! -S /run/auditrelay/bench.sock ] && [ $i -lt 240 ]; do sleep 0.5; i=$((i+1)); done',
    ms(
      'node dist/src/cli.js emit --socket /run/auditrelay/bench.sock --type TRUSTED_APP bench=arm64',
      'EMIT_MS',
    ),
    'sleep 5',
    'echo "RSS_KB=$(awk \'/^VmRSS/ {print $2}\' /proc/$d/status)"',
    'kill -TERM $d; wait $d',
  );
  return lines.join('\n');
}

export async function benchArm64(n: number, rounds: number): Promise<BenchRow[]> {
  const baseline = arm64Baseline();
  const modules = trixieModules(REPO_ROOT, 'arm64');
  const out = execFileSync('mktemp', ['-d', '/var/tmp/auditrelay-bench-arm64-XXXXXX'], {
    encoding: 'utf8',
  }).trim();
  const scratch = new ScratchRoot('arm64');
  try {
    copyFileSync(baseline, join(out, 'emit-baseline'));
    execFileSync('chmod', ['755', join(out, 'emit-baseline')]);
    writeFileSync(
      join(out, 'bench.toml'),
      '[daemon]\nsocket = "/run/auditrelay/bench.sock"\n[[clients]]\nname = "bench"\nuids = [0]\ntypes = ["TRUSTED_APP"]\n',
    );
    const { code, output } = scratch.run(out, script(n, rounds), [
      { host: join(REPO_ROOT, 'dist'), inRoot: '/opt/auditrelay/dist', dir: true },
      { host: modules, inRoot: '/opt/auditrelay/node_modules', dir: true },
      { host: join(REPO_ROOT, 'package.json'), inRoot: '/opt/auditrelay/package.json', dir: false },
    ]);
    if (code !== 0 || output.includes('FAILED='))
      throw new Error(`the arm64 round failed (${code}): ${output}`);
    const values = (key: string) =>
      output
        .split('\n')
        .filter((l) => l.startsWith(`${key}=`))
        .map((l) => l.slice(key.length + 1));
    const rate = (key: string) =>
      values(key).map((v) => (JSON.parse(v) as { events_per_s: number }).events_per_s);
    const number = (key: string) => values(key).map(Number);
    const c = median(rate('C'));
    const node = values('BATCHED').map((v) => (JSON.parse(v) as { node: string }).node)[0] ?? '?';
    const label = `arm64, Node ${node}, emulated`;
    return [
      { name: 'C loop (libaudit, arm64 baseline, emulated)', value: c, unit: 'ev/s' },
      { name: `emitter, batched (${label})`, value: median(rate('BATCHED')), unit: 'ev/s', baseline: c },
      { name: `emitter, one at a time (${label})`, value: median(rate('SINGLE')), unit: 'ev/s', baseline: c },
      { name: "bare node -e '' (arm64, emulated)", value: median(number('NODE_MS')), unit: 'ms' },
      { name: 'auditrelay --version (arm64, emulated)', value: median(number('VERSION_MS')), unit: 'ms' },
      {
        name: 'auditrelay emit --socket, 1 event (arm64, emulated)',
        value: median(number('EMIT_MS')),
        unit: 'ms',
      },
      {
        name: 'daemon idle RSS (arm64, emulated)',
        value: median(number('RSS_KB')) / 1024,
        unit: 'MiB',
        note: "qemu's own memory and translated code included",
      },
    ];
  } finally {
    scratch.remove();
    rmSync(out, { recursive: true, force: true });
  }
}
