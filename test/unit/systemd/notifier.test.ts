import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/log/logger.js';
import { listenFds } from '../../../src/systemd/listen-fds.js';
import { Notifier } from '../../../src/systemd/notifier.js';

describe('systemd notifier', () => {
  it('sends the protocol words and pings the watchdog at half the period', async () => {
    const sent: string[] = [];
    const notifier = new Notifier(silentLogger(), {
      notify: (s) => sent.push(s) > 0,
      watchdogUsec: () => 40_000,
    });
    notifier.ready('ok');
    notifier.reloading();
    notifier.status('busy');
    notifier.stopping();
    let healthy = false;
    notifier.startWatchdog(() => healthy);
    await new Promise((resolve) => setTimeout(resolve, 70));
    assert.ok(!sent.includes('WATCHDOG=1'), 'an unhealthy daemon is not vouched for');
    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 70));
    notifier.stopWatchdog();
    assert.equal(sent[0], 'READY=1\nSTATUS=ok');
    assert.match(sent[1] ?? '', /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    assert.equal(sent[2], 'STATUS=busy');
    assert.equal(sent[3], 'STOPPING=1');
    assert.ok(sent.includes('WATCHDOG=1'));
  });

  it('does nothing for the watchdog outside systemd', () => {
    const notifier = new Notifier(silentLogger(), { notify: () => false, watchdogUsec: () => undefined });
    notifier.startWatchdog(() => true);
    notifier.stopWatchdog();
  });

  it('takes passed sockets only when LISTEN_PID is ours, by name, and clears the variables', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'events' };
    assert.deepEqual(listenFds(env, 42), { events: 3 });
    assert.deepEqual(env, {});
    assert.deepEqual(
      listenFds({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42),
      { events: 3 },
      'unnamed: the events socket',
    );
    assert.deepEqual(
      listenFds({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'relay:events' }, 42),
      { relay: 3, events: 4 },
      'in the order systemd passed them',
    );
    assert.deepEqual(listenFds({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42), {});
    assert.deepEqual(listenFds({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42), {});
    assert.deepEqual(listenFds({}, 42), {});
  });
});
