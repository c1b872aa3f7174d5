/** A unified diff (`diff -u` style) of two small texts, for `apply --diff`. LCS over lines. */

type Op = { readonly kind: ' ' | '-' | '+'; readonly text: string };

function lineOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i] ?? '' });
      i++;
      j++;
    } else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ kind: '-', text: a[i++] ?? '' });
    } else {
      ops.push({ kind: '+', text: b[j++] ?? '' });
    }
  }
  return ops;
}

/** diff's hunk range: "start,len", "start" for one line, "start-1,0" for none. */
function range(start: number, length: number): string {
  if (length === 1) return String(start);
  return length === 0 ? `${start - 1},0` : `${start},${length}`;
}

/** The diff of `before` → `after` labelled with `path`, three lines of context; '' when equal. */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const split = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const ops = lineOps(split(before), split(after));
  const out = [`--- ${path}`, `+++ ${path} (auditrelay)`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]?.kind === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    while (end < ops.length) {
      let next = end;
      while (next < ops.length && ops[next]?.kind === ' ') next++;
      if (next >= ops.length || next - end > 2 * context) break;
      end = next + 1;
    }
    end = Math.min(ops.length, end + context);
    const oldStart = ops.slice(0, start).filter((o) => o.kind !== '+').length + 1;
    const newStart = ops.slice(0, start).filter((o) => o.kind !== '-').length + 1;
    const hunk = ops.slice(start, end);
    const oldLen = hunk.filter((o) => o.kind !== '+').length;
    const newLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(
      `@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@`,
      ...hunk.map((o) => `${o.kind}${o.text}`),
    );
    k = end;
  }
  return `${out.join('\n')}\n`;
}
