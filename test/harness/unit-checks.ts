/**
 * What both systemd tests check of auditrelay.service in a booted container (the checkout install on
 * Debian 12, the package on Debian 13): `systemctl reload` reloads the same process, and the watchdog
 * kills a frozen daemon and systemd starts a new one.
 */
import assert from 'node:assert/strict';
import type { Container } from './container.js';
import { waitFor } from './exec.js';

export async function mainPid(box: Container): Promise<string> {
  return (
    await box.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'auditrelay.service'])
  ).stdout.trim();
}

async function journalHas(box: Container, text: string): Promise<true | undefined> {
  const journal = await box.exec(['journalctl', '-u', 'auditrelay', '--no-pager', '-o', 'cat']);
  return journal.stdout.includes(text) ? true : undefined;
}

export async function expectReload(box: Container): Promise<void> {
  const before = await mainPid(box);
  const reload = await box.exec(['systemctl', 'reload', 'auditrelay.service']);
  assert.equal(reload.code, 0, reload.stderr);
  await waitFor(() => journalHas(box, 'reloaded configuration'), 10_000, 'the reload in the journal');
  assert.equal(await mainPid(box), before, 'the same process, reloaded');
}

export async function expectWatchdogRestart(box: Container): Promise<void> {
  const frozen = await mainPid(box);
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
