import { msgTypeToName, nameToMsgType } from '../../native/libaudit.js';
import type { TypeTable } from './event-types.js';

/** The installed libaudit's type table, memoised (names are looked up once per distinct value). */
export function libauditTypeTable(): TypeTable {
  const byName = new Map<string, number | undefined>();
  const byNumber = new Map<number, string | undefined>();
  return {
    toNumber(name) {
      if (!byName.has(name)) byName.set(name, nameToMsgType(name));
      return byName.get(name);
    },
    toName(type) {
      if (!byNumber.has(type)) byNumber.set(type, msgTypeToName(type));
      return byNumber.get(type);
    },
  };
}
