/**
 * A reader for the conservative subset of StrictDoc's .sdoc grammar we write (StrictDoc itself is a Python
 * tool we cannot install here): `[DOCUMENT]` with TITLE first, `[GRAMMAR]` declaring our elements,
 * `[[SECTION]]`/`[[/SECTION]]`, element nodes with single-line fields or `>>>`/`<<<` multi-line fields, and
 * RELATIONS last (`- TYPE:` / `VALUE:` / optional `ROLE:`). Anything outside the subset is an error with
 * its line number, so the checker fails instead of guessing.
 */

export interface Relation {
  readonly type: 'Parent' | 'Child' | 'File';
  readonly value: string;
  readonly role: string | undefined;
}

export interface SdocNode {
  readonly tag: string;
  readonly fields: ReadonlyMap<string, string>;
  readonly relations: readonly Relation[];
  readonly line: number;
  readonly section: string;
}

export interface SdocDocument {
  readonly title: string;
  readonly root: boolean;
  /** Element tag → declared field names. */
  readonly grammar: ReadonlyMap<string, readonly string[]>;
  readonly nodes: readonly SdocNode[];
}

export class SdocError extends Error {}

interface Cursor {
  readonly lines: readonly string[];
  i: number;
}

const fail = (c: Cursor, message: string): never => {
  throw new SdocError(`line ${c.i + 1}: ${message}`);
};

function field(c: Cursor): [string, string] | undefined {
  const line = c.lines[c.i] ?? '';
  const m = /^([A-Z][A-Z0-9_]*): ?(.*)$/.exec(line);
  if (m === null) return undefined;
  const [, name = '', value = ''] = m;
  c.i++;
  if (value !== '>>>') return [name, value];
  const body: string[] = [];
  while (c.i < c.lines.length && c.lines[c.i] !== '<<<') body.push(c.lines[c.i++] ?? '');
  if (c.i >= c.lines.length) fail(c, `field ${name}: missing <<<`);
  c.i++;
  return [name, body.join('\n')];
}

function relations(c: Cursor): Relation[] {
  const out: Relation[] = [];
  while ((c.lines[c.i] ?? '').startsWith('- TYPE: ')) {
    const type = (c.lines[c.i++] ?? '').slice(8);
    const value = /^ {2}VALUE: (.+)$/.exec(c.lines[c.i++] ?? '')?.[1];
    const role = /^ {2}ROLE: (.+)$/.exec(c.lines[c.i] ?? '')?.[1];
    if (role !== undefined) c.i++;
    if (type !== 'Parent' && type !== 'Child' && type !== 'File') fail(c, `unknown relation type ${type}`);
    if (value === undefined) fail(c, 'relation without VALUE');
    out.push({ type: type as Relation['type'], value: value ?? '', role });
  }
  return out;
}

function node(c: Cursor, tag: string, section: string): SdocNode {
  const line = c.i;
  c.i++;
  const fields = new Map<string, string>();
  let rels: Relation[] = [];
  for (;;) {
    if ((c.lines[c.i] ?? '') === 'RELATIONS:') {
      c.i++;
      rels = relations(c);
      break;
    }
    const f = field(c);
    if (f === undefined) break;
    if (f[1].trim() === '') fail(c, `field ${f[0]} is empty`);
    if (fields.has(f[0])) fail(c, `field ${f[0]} repeated`);
    fields.set(f[0], f[1]);
  }
  if ((c.lines[c.i] ?? '') !== '') fail(c, `expected a blank line after the ${tag} node`);
  return { tag, fields, relations: rels, line: line + 1, section };
}

function grammar(c: Cursor): Map<string, string[]> {
  c.i++;
  const out = new Map<string, string[]>();
  if (c.lines[c.i] !== 'ELEMENTS:') fail(c, 'GRAMMAR must start with ELEMENTS:');
  c.i++;
  let tag: string | undefined;
  while (c.i < c.lines.length && c.lines[c.i] !== '') {
    const line = c.lines[c.i++] ?? '';
    const t = /^- TAG: (\S+)$/.exec(line);
    const f = /^ {2}- TITLE: (\S+)$/.exec(line);
    if (t !== null) {
      tag = t[1] ?? '';
      out.set(tag, []);
    } else if (f !== null && tag !== undefined) out.get(tag)?.push(f[1] ?? '');
  }
  return out;
}

export function parseSdoc(text: string): SdocDocument {
  const c: Cursor = { lines: text.split('\n'), i: 0 };
  if (c.lines[0] !== '[DOCUMENT]') fail(c, 'must start with [DOCUMENT]');
  c.i = 1;
  const titleField = field(c);
  if (titleField?.[0] !== 'TITLE') fail(c, 'TITLE must be the first field of [DOCUMENT]');
  let root = false;
  for (let f = field(c); f !== undefined; f = field(c)) if (f[0] === 'ROOT') root = f[1] === 'True';
  let gram = new Map<string, string[]>();
  const nodes: SdocNode[] = [];
  const sections: string[] = [];
  while (c.i < c.lines.length) {
    const line = c.lines[c.i] ?? '';
    if (line === '') c.i++;
    else if (line === '[GRAMMAR]') gram = grammar(c);
    else if (line === '[[SECTION]]') {
      c.i++;
      const t = field(c);
      if (t?.[0] !== 'TITLE') fail(c, 'a section needs a TITLE');
      sections.push(t?.[1] ?? '');
    } else if (line === '[[/SECTION]]') {
      if (sections.pop() === undefined) fail(c, 'unbalanced [[/SECTION]]');
      c.i++;
    } else {
      const tag = /^\[([A-Z_]+)\]$/.exec(line)?.[1];
      if (tag === undefined || !gram.has(tag)) fail(c, `unexpected ${JSON.stringify(line)}`);
      nodes.push(node(c, tag ?? '', sections.join(' / ')));
    }
  }
  if (sections.length > 0) fail(c, 'unclosed [[SECTION]]');
  for (const n of nodes) {
    const declared = gram.get(n.tag) ?? [];
    for (const name of n.fields.keys())
      if (!declared.includes(name))
        throw new SdocError(`line ${n.line}: ${n.tag} has undeclared field ${name}`);
  }
  return { title: titleField?.[1] ?? '', root, grammar: gram, nodes };
}
