/** Loads the requirement documents and indexes their nodes by UID (used by the checker and the renderer). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/exec.js';
import { parseSdoc, type SdocDocument, type SdocNode } from './sdoc.js';

export const REQUIREMENTS_DIR = join(REPO_ROOT, 'docs/requirements');

export interface Traceability {
  readonly documents: ReadonlyMap<string, SdocDocument>;
  readonly byUid: ReadonlyMap<string, SdocNode>;
  /** UIDs seen more than once. */
  readonly duplicates: readonly string[];
}

export function loadTraceability(dir = REQUIREMENTS_DIR): Traceability {
  const documents = new Map<string, SdocDocument>();
  const byUid = new Map<string, SdocNode>();
  const duplicates: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sdoc'))
    .sort()) {
    const doc = parseSdoc(readFileSync(join(dir, file), 'utf8'));
    documents.set(file, doc);
    for (const node of doc.nodes) {
      const uid = node.fields.get('UID') ?? '';
      if (byUid.has(uid)) duplicates.push(uid);
      byUid.set(uid, node);
    }
  }
  return { documents, byUid, duplicates };
}

export const uidOf = (node: SdocNode): string => node.fields.get('UID') ?? '';
export const nodesOf = (t: Traceability, file: string): readonly SdocNode[] =>
  t.documents.get(file)?.nodes ?? [];
