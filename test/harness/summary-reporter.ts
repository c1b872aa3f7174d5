/**
 * A node:test reporter for `npm test`'s last lines: every test that did not run, with its reason (a
 * skipped suite too, which node's own counts leave out), then one summary line in the plain form CI and
 * people look for: `tests: N passed, N failed, N skipped`. Cancelled tests count as failed.
 */
import type { TestEvent } from 'node:test/reporters';

type Finished = Extract<TestEvent, { type: 'test:pass' | 'test:fail' }>['data'];

function where(test: Finished): string {
  const file = test.file === undefined ? '' : `${test.file.replace(/^.*\/dist\//, '')}: `;
  return `${file}${test.name}`;
}

export default async function* summary(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  const skipped: string[] = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const test = event.data;
    const reason = test.skip ?? test.todo;
    const isSuite = test.details.type === 'suite';
    if (reason !== undefined && reason !== false) {
      const why = reason === true ? 'no reason given' : reason;
      skipped.push(`${isSuite ? 'suite ' : ''}${where(test)} — ${why}`);
    } else if (isSuite) {
    } else if (event.type === 'test:pass') {
      passed++;
    } else {
      failed++;
    }
  }
  for (const line of skipped) yield `skipped: ${line}\n`;
  yield `tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped\n`;
}
