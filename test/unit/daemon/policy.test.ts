import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigProblem } from '../../../src/config/config-error.js';
import { compilePolicy } from '../../../src/daemon/policy.js';
import { fakeTypes } from '../audit/fake-types.js';

const accounts = {
  uidOf: (u: string) => ({ webui: 1000, updater: 1001 })[u],
  gidOf: (g: string) => ({ operators: 2000 })[g],
};

function rule(partial: Record<string, unknown>) {
  return { name: 'r', users: [], uids: [], groups: [], gids: [], types: ['USER_LOGIN'], ...partial } as never;
}

describe('policy', () => {
  it('denies by default and allows exactly what a rule names', () => {
    const problems: ConfigProblem[] = [];
    const policy = compilePolicy(
      [
        rule({ name: 'web', users: ['webui'], types: ['USER_LOGIN', 1111] }),
        rule({ name: 'ops', groups: ['operators'], types: ['*'] }),
      ],
      accounts,
      fakeTypes,
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(policy.allows({ uid: 1000, gids: [1000] }, 1112), 'web');
    assert.equal(policy.allows({ uid: 1000, gids: [1000] }, 1111), 'web');
    assert.equal(policy.allows({ uid: 1000, gids: [1000] }, 1121), undefined);
    assert.equal(policy.allows({ uid: 1001, gids: [1001] }, 1112), undefined);
    assert.equal(policy.allows({ uid: 1001, gids: [1001, 2000] }, 1121), 'ops');
    assert.equal(compilePolicy([], accounts, fakeTypes, []).allows({ uid: 0, gids: [0] }, 1112), undefined);
  });

  it('reports every unknown user, group and type with its config path', () => {
    const problems: ConfigProblem[] = [];
    compilePolicy(
      [rule({ users: ['ghost'], groups: ['nogroup-x'], types: ['USER_LOGIN', 'NOPE', 'SYSCALL'] })],
      accounts,
      fakeTypes,
      problems,
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['clients[0].users[0]', 'clients[0].groups[0]', 'clients[0].types[1]', 'clients[0].types[2]'],
    );
  });
});
