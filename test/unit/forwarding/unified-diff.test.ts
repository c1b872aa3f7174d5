import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { unifiedDiff } from '../../../src/forwarding/unified-diff.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const dir = makeTempDir('auditrelay-diff-');
after(() => removeTempDir(dir));

function reference(a: string, b: string): string {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')]);
    return '';
  } catch (error) {
    return String((error as { stdout: Buffer }).stdout)
      .split('\n')
      .slice(2)
      .join('\n');
  }
}

/** Applies unified-diff hunks to `text` (a test oracle: the hunks must describe the change exactly). */
function applyPatch(text: string, patch: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let next = 0;
  for (const hunk of patch.split(/^@@ /m).slice(1)) {
    const [header = '', ...body] = hunk.replace(/\n$/, '').split('\n');
    const start = Number(/^-(\d+)/.exec(header)?.[1] ?? 0);
    const from = body.some((l) => l.startsWith('-') || l.startsWith(' ')) ? start - 1 : start;
    while (next < from) out.push(lines[next++] ?? '');
    for (const line of body) {
      if (line.startsWith('+')) out.push(line.slice(1));
      else {
        assert.equal(lines[next], line.slice(1), 'context and removed lines match the original');
        if (line.startsWith(' ')) out.push(line.slice(1));
        next++;
      }
    }
  }
  while (next < lines.length) out.push(lines[next++] ?? '');
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

describe('unified diff', () => {
  it('prints nothing for equal texts', () => {
    assert.equal(unifiedDiff('/x', 'a\n', 'a\n'), '');
  });

  it('formats hunks exactly as diff -u does', () => {
    const cases: Array<[string, string]> = [
      ['a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n', 'a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\n'],
      ['x\n', ''],
      ['', 'y\nz\n'],
      ['1\n2\n3\n4\n5\n6\n7\n', '1\n2\nX\n4\nY\n6\n7\n'],
    ];
    for (const [a, b] of cases)
      assert.equal(unifiedDiff('/x', a, b).split('\n').slice(2).join('\n'), reference(a, b));
  });

  it('turns any text into any other when its hunks are applied', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 25 })
      .map((l) => l.map((x) => `${x}\n`).join(''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        assert.equal(applyPatch(a, unifiedDiff('/x', a, b)), b);
      }),
      { numRuns: 500 },
    );
  });
});
