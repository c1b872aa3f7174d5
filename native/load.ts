import koffi from 'koffi';
import { AuditRelayError } from '../src/errors/error.js';

/** A loaded shared library, as koffi sees it. Stays inside `native/`. */
export type Library = ReturnType<typeof koffi.load>;

/**
 * Loads the first shared library that opens among `sonames`, or the path in `process.env[envVar]`
 * when set (tests point it at an instrumented or missing library). Throws `NATIVE_LOAD_FAILED` naming
 * every attempt.
 */
export function loadLibrary(sonames: readonly string[], envVar: string): Library {
  const override = process.env[envVar];
  const candidates = override === undefined || override === '' ? sonames : [override];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      return koffi.load(name);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new AuditRelayError(
    'NATIVE_LOAD_FAILED',
    `Cannot load ${candidates.join(' or ')}: ${failures.join('; ')}`,
  );
}

/** Makes a loader that runs `factory` once, on first use, and returns its result afterwards. */
export function lazy<T>(factory: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= factory();
    return value;
  };
}

/** Reads the calling thread's errno as koffi saved it right after the last native call. */
export function lastErrno(): number {
  return koffi.errno();
}

/** Clears errno before a call whose failure is reported only through errno. */
export function clearErrno(): void {
  koffi.errno(0);
}

/** A C string that the callee malloc'd: koffi copies it to JS and frees it with libc `free()`. */
export const HeapString = koffi.disposable('str');
