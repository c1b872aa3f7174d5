/**
 * Who may emit what: `[[clients]]` rules compiled to id and type sets. Default deny: a sender is allowed a
 * type only when some rule names its uid (or one of its groups) and that type. Compiling resolves every
 * name (users, groups, event types) so a typo is a config error at load, not a silent refusal later.
 *
 * @relation(AR-REQ-004)
 */
import type { TypeTable } from '../audit/event-types.js';
import { resolveType } from '../audit/event-types.js';
import type { ConfigProblem } from '../config/config-error.js';
import type { ClientRule } from '../config/schema.js';
import type { Accounts } from './accounts.js';

interface CompiledRule {
  readonly name: string;
  readonly uids: ReadonlySet<number>;
  readonly gids: ReadonlySet<number>;
  /** undefined: every user-space type ("*"). */
  readonly types: ReadonlySet<number> | undefined;
}

/** The identity the policy decides on. */
export interface Principal {
  readonly uid: number;
  readonly gids: readonly number[];
}

export class Policy {
  readonly #rules: readonly CompiledRule[];

  constructor(rules: readonly CompiledRule[]) {
    this.#rules = rules;
  }

  /** Whether some rule names `principal` (its uid or one of its groups), whatever the types. */
  names(principal: Principal): boolean {
    return this.#rules.some(
      (rule) => rule.uids.has(principal.uid) || principal.gids.some((gid) => rule.gids.has(gid)),
    );
  }

  /** The name of the first rule allowing `principal` to emit `type`, or undefined (denied). */
  allows(principal: Principal, type: number): string | undefined {
    for (const rule of this.#rules) {
      const who = rule.uids.has(principal.uid) || principal.gids.some((gid) => rule.gids.has(gid));
      if (who && (rule.types === undefined || rule.types.has(type))) return rule.name;
    }
    return undefined;
  }
}

function resolveAll<T>(
  items: readonly T[],
  resolve: (item: T) => number | undefined,
  path: string,
  what: string,
  problems: ConfigProblem[],
): Set<number> {
  const out = new Set<number>();
  items.forEach((item, i) => {
    const id = resolve(item);
    if (id === undefined)
      problems.push({ path: `${path}[${i}]`, message: `unknown ${what} ${JSON.stringify(item)}` });
    else out.add(id);
  });
  return out;
}

function compileTypes(rule: ClientRule, path: string, types: TypeTable, problems: ConfigProblem[]) {
  if (rule.types.includes('*')) return undefined;
  return resolveAll(
    rule.types,
    (t) => {
      try {
        return resolveType(types, t).number;
      } catch {
        return undefined;
      }
    },
    `${path}.types`,
    'user-space event type',
    problems,
  );
}

/** Compiles the rules, collecting every unresolvable name into `problems` (with config paths). */
export function compilePolicy(
  rules: readonly ClientRule[],
  accounts: Accounts,
  types: TypeTable,
  problems: ConfigProblem[],
): Policy {
  const compiled = rules.map((rule, i): CompiledRule => {
    const path = `clients[${i}]`;
    const uids = resolveAll(rule.users, (u) => accounts.uidOf(u), `${path}.users`, 'user', problems);
    for (const uid of rule.uids) uids.add(uid);
    const gids = resolveAll(rule.groups, (g) => accounts.gidOf(g), `${path}.groups`, 'group', problems);
    for (const gid of rule.gids) gids.add(gid);
    return { name: rule.name, uids, gids, types: compileTypes(rule, path, types, problems) };
  });
  return new Policy(compiled);
}
