import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configReference } from '../../evidence/config-reference.js';
import { REPO_ROOT } from '../../harness/exec.js';

describe('the configuration reference', () => {
  it('is what the schema generates (run `npm run evidence` after changing the schema)', () => {
    assert.equal(readFileSync(`${REPO_ROOT}docs/configuration.md`, 'utf8'), configReference());
  });
});
