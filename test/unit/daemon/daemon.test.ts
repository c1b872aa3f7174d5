/**
 * The daemon without the kernel: its seams filled with fakes (the emitter, the peer identity, the service
 * manager) and driven through a real Unix socket by the real client. Start, one request each way (ok,
 * policy refusal audited, kernel refusal answered as such), status, a reload that changes policy and one
 * that is refused whole, and an ordered stop that closes the path to the kernel.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EmitterOptions, EmitterPort } from '../../../src/audit/emitter.js';
import type { EmitOutcome } from '../../../src/audit/outcome.js';
import type { Pace } from '../../../src/audit/pacer.js';
import type { EmitRecord } from '../../../src/audit/record.js';
import { type AuditRelayClient, ClientError, connect } from '../../../src/client.js';
import { loadConfig } from '../../../src/config/load.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { prepareRuntime } from '../../../src/daemon/runtime.js';
import { externalCode } from '../../../src/errors/codes.js';
import { silentLogger } from '../../../src/log/logger.js';
import { Notifier } from '../../../src/systemd/notifier.js';
import { makeTempDir, removeTempDir } from '../../harness/temp-dir.js';
import { fakeTypes } from '../audit/fake-types.js';

/** Accepts every record (numbering them) unless told to refuse like a kernel without CAP_AUDIT_WRITE. */
class FakeEmitter implements EmitterPort {
  readonly records: EmitRecord[] = [];
  refuse = false;
  closed = false;
  pace: Pace;
  readonly run: string;
  readonly pending = 0;
  readonly fdOpen = true;
  constructor(readonly options: EmitterOptions) {
    this.pace = options.pace ?? { rate: 0, burst: 1 };
    this.run = options.run ?? 'run';
  }
  async emit(record: EmitRecord): Promise<EmitOutcome> {
    if (this.refuse)
      return {
        ok: false,
        code: externalCode('EPERM'),
        errno: 1,
        syscall: 'audit_log_user_message',
        message: 'EPERM',
      };
    this.records.push(record);
    this.options.onAccepted?.(record, this.records.length);
    this.options.onAnswered?.();
    return { ok: true, seq: this.records.length };
  }
  submit(record: EmitRecord, done: (outcome: EmitOutcome) => void): void {
    void this.emit(record).then(done);
  }
  setPace(pace: Pace): void {
    this.pace = pace;
  }
  stalledMs(): number {
    return 0;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A user record's message text (acct records carry none). */
const text = (record: EmitRecord | undefined) => (record?.kind === 'user' ? record.message : '');

const config = (socket: string, types: string) =>
  `[daemon]\nsocket = "${socket}"\nheartbeat_interval = "0s"\n[[clients]]\nname = "app"\nuids = [1000]\ntypes = [${types}]\n`;

describe('daemon (fakes at its seams)', () => {
  const dir = makeTempDir('auditrelay-daemon-unit-');
  const socket = join(dir, 'events.sock');
  const file = join(dir, 'auditrelay.toml');
  const states: string[] = [];
  let emitter: FakeEmitter | undefined;
  let daemon: Daemon;
  let client: AuditRelayClient;
  /** The uid the fake identifier gives the next connection. */
  let peerUid = 1000;
  const deps = {
    log: silentLogger(),
    notifier: new Notifier(silentLogger(), {
      notify: (state) => states.push(state) > 0,
      watchdogUsec: () => undefined,
    }),
    accounts: { uidOf: () => undefined, gidOf: () => undefined },
    types: fakeTypes,
    listenFds: {},
    version: '0.0.0-test',
    makeEmitter: (options: EmitterOptions) => (emitter = new FakeEmitter(options)),
    identify: () => ({ pid: 4242, uid: peerUid, gid: peerUid, gids: [peerUid] }),
    now: () => 1_000_000,
    kernelLostAtStart: () => 7,
  };

  before(async () => {
    writeFileSync(file, config(socket, '"TRUSTED_APP"'));
    daemon = new Daemon(prepareRuntime(file, loadConfig(file), deps.accounts, fakeTypes), deps);
    await daemon.start();
    client = await connect(socket);
  });
  after(async () => {
    await client?.close();
    await daemon?.stop();
    removeTempDir(dir);
  });

  it('tells the service manager it is ready, records an allowed event with the sender the kernel named', async () => {
    assert.match(states[0] ?? '', /^READY=1\n/);
    await client.send({ type: 'TRUSTED_APP', fields: { note: 'hello' } });
    const record = emitter?.records.at(-1);
    assert.equal(record?.kind, 'user');
    assert.equal(record?.type, 1121);
    assert.match(text(record), /note="hello"/);
    assert.match(text(record), /4242/, 'the sender pid from the identifier, not from the message');
  });

  it('refuses a type the policy does not allow, and audits the refusal', async () => {
    const before = emitter?.records.length ?? 0;
    await assert.rejects(client.send({ type: 'USYS_CONFIG', op: 'set' }), { code: 'POLICY_DENIED' });
    assert.equal(emitter?.records.length, before + 1, 'one refusal record, not the event');
    assert.match(text(emitter?.records.at(-1)), /auditrelay-refusal/);
  });

  it('answers a kernel refusal as that refusal, never ok, and counts it', async () => {
    if (emitter) emitter.refuse = true;
    const error = await client.send({ type: 'TRUSTED_APP' }).catch((e: unknown) => e);
    if (emitter) emitter.refuse = false;
    assert.ok(error instanceof ClientError);
    assert.equal(error.code, 'EPERM');
    const status = await client.status();
    assert.equal(status.counters.kernel_failures, 1);
    assert.equal(status.kernel.last_error, 'EPERM');
    assert.equal(status.uptime_s, 0, 'the injected clock');
    assert.equal(status.kernel.lost_at_start, 7, 'the baseline read at start');
    assert.equal(status.forwarding, null);
  });

  it('answers status only to root and to the senders a rule names; others are refused and audited', async () => {
    peerUid = 2000;
    const stranger = await connect(socket);
    peerUid = 1000;
    const before = emitter?.records.length ?? 0;
    await assert.rejects(stranger.status(), { code: 'POLICY_DENIED' });
    await stranger.close();
    assert.equal(emitter?.records.length, before + 1, 'one refusal record');
    assert.match(text(emitter?.records.at(-1)), /auditrelay-refusal/);
    assert.equal((await client.status()).version, '0.0.0-test', 'the rule names uid 1000');
  });

  it('reloads a changed policy, and keeps the running one when the new file is bad', async () => {
    writeFileSync(file, config(socket, '"TRUSTED_APP", "USYS_CONFIG"'));
    daemon.reload();
    assert.deepEqual(
      states.slice(-2).map((s) => s.split('\n')[0]),
      ['RELOADING=1', 'READY=1'],
    );
    await client.send({ type: 'USYS_CONFIG', op: 'set' });
    writeFileSync(file, '[daemon]\nbogus = 1\n');
    daemon.reload();
    await client.send({ type: 'USYS_CONFIG', op: 'set' });
  });

  it('stops in order: tells the service manager, answers what was read, closes the path to the kernel', async () => {
    await client.close();
    await daemon.stop();
    assert.ok(states.includes('STOPPING=1'));
    assert.equal(emitter?.closed, true);
  });
});
