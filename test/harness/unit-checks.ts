/**
 * What both systemd tests check of auditrelay.service in a booted container (the checkout install on
 * Debian 12, the package on Debian 13): the first event starts the service through its socket, READY=1
 * makes it active and the record is the unprivileged user's; `systemctl reload` reloads the same process;
 * the watchdog kills a frozen daemon and systemd starts a new one.
 */
import assert from 'node:assert/strict';
import { findByNonce, nonce } from './ausearch.js';
import type { Container } from './container.js';
import { waitFor } from './exec.js';

export async function mainPid(box: Container): Promise<string> {
  return (
    await box.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'auditrelay.service'])
  ).stdout.trim();
}

/** The running daemon's pid; fails (with the unit's journal) when the service has none. */
async function runningPid(box: Container): Promise<string> {
  const pid = await mainPid(box);
  if (!/^[1-9]\d*$/.test(pid)) {
    const journal = await box.exec(['journalctl', '-u', 'auditrelay', '--no-pager', '-o', 'cat']);
    assert.fail(`auditrelay.service has no main process (MainPID ${pid}):\n${journal.stdout.slice(-3000)}`);
  }
  return pid;
}

async function journalHas(box: Container, text: string): Promise<true | undefined> {
  const journal = await box.exec(['journalctl', '-u', 'auditrelay', '--no-pager', '-o', 'cat']);
  return journal.stdout.includes(text) ? true : undefined;
}

/**
 * Sends one event with `emit` (the command words, the event's fields appended) while the service is
 * inactive; returns the record as the host's kernel audit logged it, after checking who wrote it.
 */
export async function expectSocketActivation(box: Container, emit: readonly string[], auditLog: string) {
  const state = async () => (await box.exec(['systemctl', 'is-active', 'auditrelay.service'])).stdout.trim();
  assert.equal(await state(), 'inactive');
  const tag = nonce();
  const sent = await box.exec([...emit, `nonce=${tag}`]);
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(await state(), 'active', 'READY=1 reached systemd');
  const uid = (await box.exec(['id', '-u', 'auditrelay'])).stdout.trim();
  const record = await findByNonce(auditLog, tag);
  assert.equal(record.raw.get('uid'), uid, 'written by the unprivileged auditrelay user');
  return record;
}

export async function expectReload(box: Container): Promise<void> {
  const before = await runningPid(box);
  const reload = await box.exec(['systemctl', 'reload', 'auditrelay.service']);
  assert.equal(reload.code, 0, reload.stderr);
  await waitFor(() => journalHas(box, 'reloaded configuration'), 10_000, 'the reload in the journal');
  assert.equal(await mainPid(box), before, 'the same process, reloaded');
}

export async function expectWatchdogRestart(box: Container): Promise<void> {
  // Never `kill -STOP 0`: that would stop the shell's own process group.
  const frozen = await runningPid(box);
  await box.exec(['/bin/sh', '-c', `kill -STOP ${frozen}`]);
  await waitFor(() => journalHas(box, "Failed with result 'watchdog'"), 20_000, 'the watchdog to fire');
  const restarted = await waitFor(
    async () => {
      const pid = await mainPid(box);
      const active = (await box.exec(['systemctl', 'is-active', 'auditrelay.service'])).stdout.trim();
      return active === 'active' && pid !== frozen && pid !== '0' ? pid : undefined;
    },
    20_000,
    'the restarted daemon',
  );
  assert.notEqual(restarted, frozen);
}
