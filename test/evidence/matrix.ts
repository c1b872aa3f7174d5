/** The compliance matrix as Markdown, for readers without StrictDoc: CR → status → requirements → tests → assumptions. */
import type { SdocNode } from './sdoc.js';
import { nodesOf, type Traceability, uidOf } from './traceability.js';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function children(t: Traceability, entry: SdocNode, prefix: string): SdocNode[] {
  return entry.relations
    .filter((r) => r.type === 'Child' && r.value.startsWith(prefix))
    .flatMap((r) => {
      const node = t.byUid.get(r.value);
      return node === undefined ? [] : [node];
    });
}

export function renderMatrix(t: Traceability): string {
  const entries = nodesOf(t, 'compliance-matrix.sdoc');
  const lines = [
    '# IEC 62443-4-2 compliance matrix — auditrelay',
    '',
    'Rendered from docs/requirements/*.sdoc by `npm run evidence`. Gists of the standard are in our own words.',
    '',
    '| CR | SL | title | status | requirements | tests | assumptions | integrator action |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const cr of nodesOf(t, 'iec62443-4-2.sdoc')) {
    const entry = entries.find((e) => e.relations.some((r) => r.type === 'Parent' && r.value === uidOf(cr)));
    if (entry === undefined) continue;
    const reqs = children(t, entry, 'AR-REQ-');
    const tests = [
      ...new Set(reqs.flatMap((r) => r.relations.filter((x) => x.role === 'Test').map((x) => x.value))),
    ];
    const asms = children(t, entry, 'AR-ASM-');
    lines.push(
      `| ${uidOf(cr)} | ${cr.fields.get('SL')} | ${cell(cr.fields.get('TITLE') ?? '')} | **${entry.fields.get('STATUS')}** | ${reqs.map((r) => `${uidOf(r)} ${cell(r.fields.get('TITLE') ?? '')}`).join('<br>')} | ${tests.map((x) => `\`${x}\``).join('<br>')} | ${asms.map((a) => `${uidOf(a)} ${cell(a.fields.get('TITLE') ?? '')}`).join('<br>')} | ${cell(entry.fields.get('INTEGRATOR_ACTION') ?? '')} |`,
    );
  }
  lines.push('', '## Justifications', '');
  for (const entry of entries)
    lines.push(
      `- **${uidOf(entry).replace(/^MX-/, '')}** (${entry.fields.get('STATUS')}): ${entry.fields.get('JUSTIFICATION')}`,
    );
  return `${lines.join('\n')}\n`;
}
