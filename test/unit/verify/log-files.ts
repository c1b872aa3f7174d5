/**
 * Hand-made collector logs for the verify suites: a temporary directory per suite (removed after it),
 * and the files read as `auditrelay verify` reads them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { readNumberedRecords, rotatedHeads } from '../../../src/verify/collector-logs.js';
import { ForeignLedger, type ForeignReport } from '../../../src/verify/foreign-ledger.js';
import { Ledger, type RunReport } from '../../../src/verify/ledger.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

/** Writes a log file into the suite's directory (`log-N` unless named) and returns its path. */
export function logWriter(prefix: string): (text: string, name?: string) => string {
  const dir = makeTempDir(prefix);
  after(() => removeTempDir(dir));
  let n = 0;
  return (text, name = `log-${n++}`) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
}

/** Our runs and others' records in `files`, as verify accounts for them. */
export function accountFor(files: string[]): { runs: RunReport[]; foreign: ForeignReport[] } {
  const ledger = new Ledger({ rotatedHeads: rotatedHeads(files) });
  const foreign = new ForeignLedger();
  readNumberedRecords(files, ledger, foreign);
  return { runs: ledger.report(), foreign: foreign.report() };
}
