import type { TypeTable } from '../../../src/audit/event-types.js';

/** A small fixed type table: event validation tests do not depend on the installed libaudit. */
const NAMES: ReadonlyArray<readonly [string, number]> = [
  ['USER_AUTH', 1100],
  ['USER_AVC', 1107],
  ['USYS_CONFIG', 1111],
  ['USER_LOGIN', 1112],
  ['ADD_USER', 1114],
  ['TRUSTED_APP', 1121],
  ['SOFTWARE_UPDATE', 1138],
  ['SYSCALL', 1300],
];

export const fakeTypes: TypeTable = {
  toNumber: (name) => NAMES.find(([n]) => n === name)?.[1],
  toName: (type) => NAMES.find(([, t]) => t === type)?.[0],
};
