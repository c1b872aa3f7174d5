/** User and group names → numeric ids, through NSS (`getent`), as the kernel's SO_PEERCRED reports ids. */
import { execFileSync } from 'node:child_process';

function getent(database: 'passwd' | 'group', name: string): number | undefined {
  try {
    const line = execFileSync('getent', [database, name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const id = Number(line.split(':')[2]);
    return Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface Accounts {
  uidOf(user: string): number | undefined;
  gidOf(group: string): number | undefined;
}

export const systemAccounts: Accounts = {
  uidOf: (user) => getent('passwd', user),
  gidOf: (group) => getent('group', group),
};
