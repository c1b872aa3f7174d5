/**
 * Status over the socket cannot be made expensive: one snapshot per BUILD_EVERY_MS for every asker, one
 * reply per ANSWER_EVERY_MS per connection (the rest wait), and only root and named senders may ask.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sender } from '../../../src/audit/record.js';
import type { DaemonStatus } from '../../../src/daemon/status-reply.js';
import {
  ANSWER_EVERY_MS,
  BUILD_EVERY_MS,
  newStatusPacing,
  StatusService,
} from '../../../src/daemon/status-service.js';

const peer = (uid: number): Sender => ({ pid: 1, uid, gid: uid, gids: [uid] });

function service(clock: { now: number }) {
  let builds = 0;
  const svc = new StatusService({
    build: () => ({ pid: ++builds }) as unknown as DaemonStatus,
    named: (p) => p.uid === 1000,
    now: () => clock.now,
  });
  return { svc, builds: () => builds };
}

describe('status service', () => {
  it('builds one snapshot per interval, whoever asks', () => {
    const clock = { now: 0 };
    const { svc, builds } = service(clock);
    for (let i = 0; i < 1000; i++) svc.serve(newStatusPacing(), () => undefined);
    assert.equal(builds(), 1);
    clock.now += BUILD_EVERY_MS;
    svc.serve(newStatusPacing(), () => undefined);
    assert.equal(builds(), 2);
  });

  it('answers one connection at most once per interval: later requests wait their turn, in order', async () => {
    const clock = { now: Date.now() };
    const { svc } = service(clock);
    const pacing = newStatusPacing();
    const answered: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 4; i++) svc.serve(pacing, () => answered.push(Date.now() - started));
    assert.equal(answered.length, 1, 'the first at once');
    await new Promise((resolve) => setTimeout(resolve, 3 * ANSWER_EVERY_MS + 100));
    assert.equal(answered.length, 4);
    // Timers fire no earlier than asked (a late tick only lengthens the gap).
    for (let i = 1; i < 4; i++) assert.ok((answered[i] ?? 0) >= i * ANSWER_EVERY_MS - 2, `${answered}`);
    const other = newStatusPacing();
    let now = false;
    svc.serve(other, () => (now = true));
    assert.ok(now, 'another connection is not held by the first');
  });

  it('keeps one timer per connection when an answer lets the connection ask again', async () => {
    const clock = {
      get now() {
        return Date.now();
      },
    };
    const { svc } = service(clock);
    const pacing = newStatusPacing();
    let answered = 0;
    const ask = (): void =>
      svc.serve(pacing, () => {
        answered++;
        if (answered < 5) ask(); // like a connection framing its next request on the answer
      });
    ask();
    ask();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    let most = 0;
    for (let i = 0; i < 12; i++) {
      await new Promise((resolve) => setTimeout(resolve, ANSWER_EVERY_MS / 2));
      most = Math.max(most, timers() - 1); // less the sleep's own
    }
    assert.equal(pacing.waiting, 0);
    assert.ok(answered >= 5);
    assert.ok(most <= 1, `${most} timers for one connection`);
    pacing.cancel();
  });

  it('lets root and the senders a rule names ask, nobody else', () => {
    const { svc } = service({ now: 0 });
    assert.equal(svc.mayAsk(peer(0)), true);
    assert.equal(svc.mayAsk(peer(1000)), true);
    assert.equal(svc.mayAsk(peer(65534)), false);
  });
});
