/**
 * One silent connection must not freeze the collector (#21 item 6). Before audit 4.2.1 the collector
 * negotiates KRB5 inside its accept handler with a blocking read: a connection that never speaks stalls
 * logging for every device until it closes. The kit's mitigation: the relay connects from a port below
 * 1024 (forwarding.source_port = "privileged", CAP_NET_BIND_SERVICE in the unit) and the collector admits
 * only those (tcp_client_ports = 1-1023), so no unprivileged process can open such a connection. Shown
 * against the real collector (audit 3.0.9, KRB5): a silent connection from uid nobody is turned away and
 * the device's events keep arriving; a silent connection from a privileged port — root on a host that
 * reaches the port, what the mitigation leaves — stalls them until it closes (the control: the stall is
 * real, and the test can tell).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client.js';
import { nonce } from '../harness/ausearch.js';
import { COLLECTOR_PORT } from '../harness/collector.js';
import { stopChild, waitFor } from '../harness/exec.js';
import { whyNoKernelAudit } from '../harness/kernel-audit.js';
import { type Lab, labSyslog, startLab } from '../harness/lab.js';

const skip = await whyNoKernelAudit();

/**
 * A TCP connection to the collector that never sends, as `user`: from any port, or from one below 1024
 * (the first of 1000-1023 that binds and connects: the relay may hold one).
 */
function silentConnection(ip: string, privileged: boolean, user: 'root' | 'nobody'): ChildProcess {
  const script = [
    'import socket,sys,time',
    `for port in (${privileged ? 'range(1000, 1024)' : '[0]'}):`,
    '    s = socket.socket()',
    '    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    '    try:',
    "        s.bind(('', port))",
    `        s.connect(('${ip}', ${COLLECTOR_PORT}))`,
    '        break',
    '    except OSError:',
    '        s.close()',
    'else:',
    "    sys.exit('no port would connect')",
    "sys.stdout.write('connected\\n'); sys.stdout.flush()",
    'time.sleep(120)',
  ].join('\n');
  const python = ['/usr/bin/python3', '-c', script];
  const argv =
    user === 'root' ? python : ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...python];
  return spawn(argv[0] ?? '/usr/bin/python3', argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function connected(child: ChildProcess): Promise<void> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the silent connection failed: ${out}`);
      return out.includes('connected') ? true : undefined;
    },
    10_000,
    'the silent connection',
  );
}

describe('one silent connection and the collector (audit 3.0.9, KRB5)', { skip }, () => {
  let lab: Lab;
  const silent: ChildProcess[] = [];
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    for (const child of silent) await stopChild(child, 'SIGKILL');
    await lab?.stop();
  });

  const emit = async (): Promise<string> => {
    const client = await connect(lab.daemon.socket);
    const n = nonce();
    await client.send({ type: 'USYS_CONFIG', op: 'set-config', fields: { nonce: n } });
    await client.close();
    return n;
  };
  const arrived = (n: string) => readFileSync(lab.collector.log, 'latin1').includes(n);
  const arrives = (n: string, ms: number, what: string) =>
    waitFor(() => (arrived(n) ? true : undefined), ms, `${what}\n${labSyslog(lab)}`);

  it('turns away a silent connection from an unprivileged port: events keep arriving', async () => {
    await arrives(await emit(), 15_000, 'an event through the relay, from a port below 1024');
    const child = silentConnection(lab.ns.nsIp, false, 'nobody');
    silent.push(child);
    await connected(child);
    await waitFor(
      () =>
        lab.collector.syslog().some((l) => /TCP connection from .* rejected/.test(l)) ? true : undefined,
      5000,
      `the collector to turn it away (tcp_client_ports)\n${labSyslog(lab)}`,
    );
    await arrives(await emit(), 5000, 'an event while the unprivileged connection is open');
  });

  it('is stalled by a silent connection from a privileged port until it closes (what remains)', async () => {
    const child = silentConnection(lab.ns.nsIp, true, 'root');
    silent.push(child);
    await connected(child);
    const held = await emit();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.equal(arrived(held), false, 'the collector is stalled in its accept handler');
    await stopChild(child, 'SIGKILL');
    await arrives(held, 15_000, 'the held event once the silent connection closed');
  });
});
