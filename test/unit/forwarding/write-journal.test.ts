/**
 * The journalled change of several files (write-journal.ts, atomic-write.ts): all or nothing through a real
 * crash at every step (a child process SIGKILLs itself there), the final mode whatever the umask, a short
 * write continued, an error mid-write leaving nothing, planted files at the old predictable temp names never
 * used, and a tampered journal refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FileWrite, writeFully } from '../../../src/forwarding/atomic-write.js';
import {
  clearJournal,
  commitAll,
  journalPath,
  resumeJournal,
} from '../../../src/forwarding/write-journal.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';

const OWNER = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const TARGETS = ['auditd.conf', 'audisp-remote.conf', 'plugins.d/au-remote.conf'];
const MODULE = fileURLToPath(new URL('../../../src/forwarding/write-journal.js', import.meta.url));

/** A config dir holding the old set; returns the writes that make the new one. */
function seed(dir: string): FileWrite[] {
  mkdirSync(join(dir, 'plugins.d'), { recursive: true });
  for (const name of TARGETS) writeFileSync(join(dir, name), `old ${name}\n`, { mode: 0o640 });
  return TARGETS.map((name) => ({ path: join(dir, name), content: `new ${name}\n`, mode: 0o640 }));
}

const contents = (dir: string) => TARGETS.map((name) => readFileSync(join(dir, name), 'utf8').split(' ')[0]);
const ourTemps = (dir: string) =>
  [dir, join(dir, 'plugins.d')].flatMap((d) => readdirSync(d).filter((n) => n.includes('.auditrelay-')));

/**
 * Runs commitAll in a child process that SIGKILLs itself before its `crashAt`-th step (no crash when
 * negative); returns the steps it reached, in order.
 */
function commitInChild(dir: string, crashAt: number): string[] {
  const script = `
    const { commitAll } = await import(${JSON.stringify(MODULE)});
    const [dir, crashAt, owner] = JSON.parse(process.argv[1]);
    const names = ${JSON.stringify(TARGETS)};
    const writes = names.map((n) => ({ path: dir + '/' + n, content: 'new ' + n + '\\n', mode: 0o640 }));
    let step = 0;
    commitAll(dir + '/.auditrelay-apply.journal', writes, {
      owner,
      before: (name, path) => {
        if (step++ === crashAt) process.kill(process.pid, 'SIGKILL');
        process.stdout.write(name + ' ' + path.slice(dir.length + 1) + '\\n');
      },
    });`;
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify([dir, crashAt, OWNER])],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (crashAt < 0) assert.equal(child.status, 0, child.stderr);
  else assert.equal(child.signal, 'SIGKILL', `the child reached step ${crashAt}: ${child.stderr}`);
  return child.stdout.split('\n').filter((l) => l !== '');
}

describe('a journalled change of several files', () => {
  let base: string;
  let n = 0;
  const fresh = () => {
    const dir = join(base, `c${n++}`);
    mkdirSync(dir);
    return dir;
  };
  before(() => {
    base = makeTempDir('auditrelay-journal-');
  });
  after(() => removeTempDir(base));

  it('replaces every file with its final mode whatever the umask, and keeps the journal until cleared', () => {
    const dir = fresh();
    const writes = seed(dir);
    const journal = journalPath(dir);
    const umask = process.umask(0o077);
    try {
      commitAll(journal, writes, { owner: OWNER });
    } finally {
      process.umask(umask);
    }
    assert.deepEqual(contents(dir), ['new', 'new', 'new']);
    for (const name of TARGETS) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o640);
    assert.ok(existsSync(journal), 'pending until the change took effect');
    assert.deepEqual(
      resumeJournal(journal),
      writes.map((w) => w.path),
    );
    clearJournal(journal);
    assert.equal(existsSync(journal), false);
    assert.deepEqual(ourTemps(dir), []);
  });

  it('leaves the old set or a journal that completes the new one, wherever a crash strikes', () => {
    const steps = commitInChild(
      (() => {
        const dir = fresh();
        seed(dir);
        return dir;
      })(),
      -1,
    );
    assert.ok(steps.length >= 15, `every step was reported: ${steps.join(', ')}`);
    for (let crashAt = 0; crashAt < steps.length; crashAt++) {
      const dir = fresh();
      const writes = seed(dir);
      commitInChild(dir, crashAt);
      const journal = journalPath(dir);
      const where = `crash before "${steps[crashAt]}"`;
      if (!existsSync(journal)) {
        assert.deepEqual(contents(dir), ['old', 'old', 'old'], where);
      } else {
        assert.deepEqual(
          resumeJournal(journal, { owner: OWNER }),
          writes.map((w) => w.path),
          where,
        );
        assert.deepEqual(contents(dir), ['new', 'new', 'new'], where);
        clearJournal(journal);
      }
      // The next change starts clean: temps a crash left before its commit are removed.
      commitAll(journal, writes, { owner: OWNER });
      clearJournal(journal);
      assert.deepEqual(ourTemps(dir), [], where);
      assert.deepEqual(contents(dir), ['new', 'new', 'new'], where);
    }
  });

  it('continues a short write, and fails on a write error', () => {
    const data = Buffer.from('0123456789');
    const got: number[] = [];
    writeFully(7, data, (_fd, buffer, offset, length) => {
      const n = Math.min(3, length);
      got.push(...buffer.subarray(offset, offset + n));
      return n;
    });
    assert.equal(Buffer.from(got).toString(), '0123456789');
    let calls = 0;
    const full = () => {
      if (calls++ > 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return 4;
    };
    assert.throws(() => writeFully(7, data, full), { code: 'ENOSPC' });
  });

  it('never uses a file or symlink planted at a temp name', () => {
    const dir = fresh();
    const writes = seed(dir);
    const elsewhere = join(dir, 'victim');
    writeFileSync(elsewhere, 'untouched\n');
    // The names the old code used: `.<name>.auditrelay-<pid>`, predictable from the pid.
    symlinkSync(elsewhere, join(dir, `.auditd.conf.auditrelay-${process.pid}`));
    writeFileSync(join(dir, `.audisp-remote.conf.auditrelay-${process.pid}`), 'planted\n', { mode: 0o666 });
    commitAll(journalPath(dir), writes, { owner: OWNER });
    assert.equal(readFileSync(elsewhere, 'utf8'), 'untouched\n');
    assert.deepEqual(contents(dir), ['new', 'new', 'new']);
    for (const name of TARGETS) {
      assert.ok(lstatSync(join(dir, name)).isFile());
      assert.equal(statSync(join(dir, name)).mode & 0o777, 0o640);
    }
  });

  it('refuses a journal that names anything but our temps beside their targets', () => {
    const dir = fresh();
    seed(dir);
    const journal = journalPath(dir);
    for (const renames of [
      [{ temp: '../../etc/shadow', target: 'auditd.conf' }],
      [{ temp: '.evil', target: 'auditd.conf' }],
      [{ temp: '.auditd.conf.auditrelay-0123456789abcdef', target: 'plugins.d/auditd.conf' }],
    ]) {
      writeFileSync(journal, JSON.stringify({ version: 1, renames }));
      assert.throws(() => resumeJournal(journal), { code: 'APPLY_JOURNAL_INVALID' });
    }
    writeFileSync(journal, '{"version":1,"ren');
    assert.throws(() => resumeJournal(journal), { code: 'APPLY_JOURNAL_INVALID' });
    assert.deepEqual(contents(dir), ['old', 'old', 'old']);
  });
});
