/** The one thing we need from krb5.conf (profile format): `[libdefaults] default_realm`. */
import { readFileSync } from 'node:fs';

export function defaultRealm(text: string): string | undefined {
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header !== null) section = header[1] ?? '';
    else if (section === 'libdefaults') {
      const match = /^default_realm\s*=\s*(\S+)$/.exec(line);
      if (match !== null) return match[1];
    }
  }
  return undefined;
}

/** Reads a krb5.conf's default realm; undefined when the file or the key is missing. */
export function readDefaultRealm(path: string): string | undefined {
  try {
    return defaultRealm(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
