/**
 * The tree's dependency rules, read from the import statements of src/ and native/: folders import each
 * other one way only (no cycle), the domains below never reach up into those that use them, and only
 * native/ touches C (koffi).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../harness/exec.js';

/** A module's node: its folder (`src/daemon`), or itself for the files at the top of src/. */
function nodeOf(file: string): string {
  return dirname(file) === 'src' ? file : dirname(file);
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

const files = [...tsFiles('src'), ...tsFiles('native')];
const sourceOf = new Map(files.map((f) => [f, readFileSync(join(REPO_ROOT, f), 'utf8')]));

/** Folder-level edges from relative imports (static and dynamic). */
function edges(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [file, text] of sourceOf) {
    for (const m of text.matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1] ?? '')).replace(/\.js$/, '.ts');
      const [from, to] = [nodeOf(file), nodeOf(relative('.', target))];
      if (from !== to) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

function reaches(
  graph: Map<string, Set<string>>,
  from: string,
  to: string,
  seen = new Set<string>(),
): boolean {
  for (const next of graph.get(from) ?? []) {
    if (next === to) return true;
    if (!seen.has(next)) {
      seen.add(next);
      if (reaches(graph, next, to, seen)) return true;
    }
  }
  return false;
}

describe('architecture', () => {
  const graph = edges();

  it('sees the imports it judges (a graph of nothing would pass everything)', () => {
    assert.ok(graph.get('src/daemon')?.has('src/audit'));
    assert.ok(graph.get('src/kerberos')?.has('native'));
    assert.ok(graph.get('src/status')?.has('src/forwarding'), 'dynamic imports count too');
  });

  it('has no import cycle between folders', () => {
    const cycles = [...graph].flatMap(([from, tos]) =>
      [...tos].filter((to) => reaches(graph, to, from)).map((to) => `${from} → ${to}`),
    );
    assert.deepEqual(cycles, []);
  });

  it('keeps the lower domains from reaching up', () => {
    const allowed: Record<string, readonly string[]> = {
      native: ['src/errors'],
      'src/errors': [],
      'src/kerberos': ['native', 'src/errors'],
      'src/audit': ['native', 'src/errors', 'src/deadline.ts'],
      'src/forwarding': ['src/kerberos', 'src/errors', 'native', 'src/duration.ts', 'src/root-path.ts'],
      'src/relay': ['native', 'src/errors', 'src/kerberos', 'src/log', 'src/socket-fd.ts'],
      'src/tap': ['native', 'src/audit', 'src/log'],
      'src/verify': ['native', 'src/audit', 'src/tap', 'src/errors'],
    };
    for (const [node, may] of Object.entries(allowed)) {
      const extra = [...(graph.get(node) ?? [])].filter((to) => !may.includes(to));
      assert.deepEqual(extra, [], `${node} imports what it must not`);
    }
  });

  it('lets only native/ import koffi', () => {
    const outside = [...sourceOf]
      .filter(([file, text]) => !file.startsWith('native/') && /from 'koffi'|import\('koffi'\)/.test(text))
      .map(([file]) => file);
    assert.deepEqual(outside, []);
  });
});
