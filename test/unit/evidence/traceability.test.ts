/**
 * The requirements, compliance matrix and assumptions cannot rot: the StrictDoc subset parses, UIDs are
 * unique, every relation resolves without cycles, every file named exists, every CR has exactly one matrix
 * entry, integration claims name an assumption and an action, every requirement has code and a test, and
 * every @relation marker in the sources names a real UID.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTraceability, nodesOf, uidOf } from '../../evidence/traceability.js';
import { REPO_ROOT } from '../../harness/exec.js';

const t = loadTraceability();
const STATUSES = ['Met', 'MetByIntegration', 'PartiallyMet', 'NotApplicable'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('requirements traceability', () => {
  it('has the four documents, the standard one as the root', () => {
    assert.deepEqual(
      [...t.documents.keys()],
      ['assumptions.sdoc', 'compliance-matrix.sdoc', 'iec62443-4-2.sdoc', 'requirements.sdoc'],
    );
    assert.equal(t.documents.get('iec62443-4-2.sdoc')?.root, true);
  });

  it('has unique UIDs and relations that resolve, without cycles', () => {
    assert.deepEqual(t.duplicates, []);
    const edges = new Map<string, string[]>();
    for (const [uid, node] of t.byUid) {
      for (const rel of node.relations.filter((r) => r.type !== 'File')) {
        assert.ok(t.byUid.has(rel.value), `${uid}: ${rel.type} ${rel.value} does not exist`);
        const [from, to] = rel.type === 'Parent' ? [rel.value, uid] : [uid, rel.value];
        edges.set(from, [...(edges.get(from) ?? []), to]);
      }
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (uid: string, path: string[]) => {
      if (state.get(uid) === 'done') return;
      assert.notEqual(state.get(uid), 'visiting', `cycle: ${[...path, uid].join(' → ')}`);
      state.set(uid, 'visiting');
      for (const next of edges.get(uid) ?? []) visit(next, [...path, uid]);
      state.set(uid, 'done');
    };
    for (const uid of t.byUid.keys()) visit(uid, []);
  });

  it('names only files that exist', () => {
    for (const [uid, node] of t.byUid) {
      for (const rel of node.relations.filter((r) => r.type === 'File')) {
        assert.ok(existsSync(join(REPO_ROOT, rel.value)), `${uid}: ${rel.value} does not exist`);
      }
    }
  });

  it('gives every component requirement exactly one matrix entry with a known status', () => {
    const entries = nodesOf(t, 'compliance-matrix.sdoc');
    for (const cr of nodesOf(t, 'iec62443-4-2.sdoc')) {
      const mine = entries.filter((e) =>
        e.relations.some((r) => r.type === 'Parent' && r.value === uidOf(cr)),
      );
      assert.equal(mine.length, 1, `${uidOf(cr)} has ${mine.length} matrix entries`);
      assert.ok(STATUSES.includes(mine[0]?.fields.get('STATUS') ?? ''), `${uidOf(cr)}: status`);
    }
    for (const uid of ['CR-1.8', 'CR-1.9']) {
      const entry = entries.find((e) => e.relations.some((r) => r.value === uid));
      assert.equal(entry?.fields.get('STATUS'), 'NotApplicable');
    }
  });

  it('backs every MetByIntegration claim with an assumption and an integrator action', () => {
    for (const entry of nodesOf(t, 'compliance-matrix.sdoc').filter(
      (e) => e.fields.get('STATUS') === 'MetByIntegration',
    )) {
      assert.ok(entry.fields.get('INTEGRATOR_ACTION'), `${uidOf(entry)}: no INTEGRATOR_ACTION`);
      assert.ok(
        entry.relations.some((r) => r.type === 'Child' && r.value.startsWith('AR-ASM-')),
        `${uidOf(entry)}: no assumption`,
      );
    }
    for (const asm of nodesOf(t, 'assumptions.sdoc')) {
      const [file, anchor] = (asm.fields.get('GUIDE') ?? '').split('#');
      const guide = readFileSync(join(REPO_ROOT, file ?? ''), 'utf8');
      assert.match(
        guide,
        new RegExp(`<a id="${anchor}"></a>`),
        `${uidOf(asm)}: ${file}#${anchor} is not a section of the guide`,
      );
    }
  });

  it('gives every product requirement an implementation and a test', () => {
    for (const req of nodesOf(t, 'requirements.sdoc')) {
      const files = req.relations.filter((r) => r.type === 'File');
      assert.ok(
        files.some((r) => r.role === undefined),
        `${uidOf(req)}: no implementation file`,
      );
      assert.ok(
        files.some((r) => r.role === 'Test'),
        `${uidOf(req)}: no test file`,
      );
    }
  });

  it('accepts only @relation markers that name real UIDs', () => {
    let markers = 0;
    for (const file of [
      ...sources(join(REPO_ROOT, 'src')),
      ...sources(join(REPO_ROOT, 'native')),
      ...sources(join(REPO_ROOT, 'test')),
    ]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/@relation\(([A-Z0-9][A-Z0-9., -]*)\)/g)) {
        for (const uid of (match[1] ?? '').split(',').map((s) => s.trim())) {
          if (uid === 'UID…' || uid === '') continue;
          markers++;
          assert.ok(t.byUid.has(uid), `${file}: @relation(${uid}) names no requirement`);
        }
      }
    }
    assert.ok(markers > 0, 'the sources carry @relation markers');
  });
});
