/**
 * The path of one request through the daemon: parse → (status) → validate → policy → encode → emitter →
 * reply. Every failure becomes an error reply with a stable code and is counted; only the kernel's
 * acknowledgement produces `ok: true`.
 *
 * @relation(AR-REQ-005)
 */
import type { EmitterPort } from '../audit/emitter.js';
import { parseEvent } from '../audit/event.js';
import { EventError } from '../audit/event-error.js';
import type { TypeTable } from '../audit/event-types.js';
import { kernelHint } from '../audit/kernel-hints.js';
import type { EmitOutcome } from '../audit/outcome.js';
import type { Sender } from '../audit/record.js';
import { buildRecord } from '../audit/record.js';
import { AuditRelayError } from '../errors/error.js';
import type { Logger } from '../log/logger.js';
import { type Counters, countKernelFailure } from './counters.js';
import { errorReply, parseRequest, type Reply, RequestError, type RequestId } from './protocol.js';
import type { RefusalReporter } from './refusals.js';
import type { Runtime } from './runtime.js';
import type { StatusPacing, StatusService } from './status-service.js';

export interface RequestContext {
  readonly emitter: EmitterPort;
  readonly types: TypeTable;
  readonly counters: Counters;
  readonly refusals: RefusalReporter;
  readonly log: Logger;
  /** The daemon's clock (ms since the epoch). */
  now(): number;
  runtime(): Runtime;
  readonly status: StatusService;
}

/** Validates, checks policy and encodes the event, then hands the record to the emitter. */
function handleEvent(
  ctx: RequestContext,
  id: RequestId,
  input: Record<string, unknown>,
  peer: Sender,
  answer: (reply: Reply) => void,
): void {
  const runtime = ctx.runtime();
  const event = parseEvent(input, ctx.types);
  if (runtime.policy.allows(peer, event.type.number) === undefined) {
    ctx.counters.refusedPolicy++;
    ctx.refusals.refused(peer, 'POLICY_DENIED', event.type.name);
    throw new AuditRelayError(
      'POLICY_DENIED',
      `uid ${peer.uid} may not emit ${event.type.name} (see [[clients]])`,
    );
  }
  const record = buildRecord(event, peer, runtime.config.daemon.max_record_bytes);
  ctx.counters.accepted++;
  ctx.emitter.submit(record, (outcome) => answer(outcomeReply(ctx, id, outcome)));
}

/** Root and the peers a rule names get the status, paced per connection; others are refused. */
function handleStatus(
  ctx: RequestContext,
  id: RequestId,
  peer: Sender,
  answer: (reply: Reply) => void,
  pacing: StatusPacing,
): void {
  if (!ctx.status.mayAsk(peer)) {
    ctx.counters.refusedPolicy++;
    ctx.refusals.refused(peer, 'POLICY_DENIED', 'status');
    throw new AuditRelayError(
      'POLICY_DENIED',
      `uid ${peer.uid} may not read the daemon's status: only root and the senders a [[clients]] rule names may`,
    );
  }
  ctx.status.serve(pacing, (status) => answer({ id, ok: true, status }));
}

function outcomeReply(ctx: RequestContext, id: RequestId, outcome: EmitOutcome): Reply {
  if (outcome.ok) {
    ctx.counters.emitted++;
    return { id, ok: true };
  }
  countKernelFailure(ctx.counters, outcome.code, ctx.now());
  const hint = kernelHint(outcome.code);
  ctx.log.error(`kernel refused a record: ${outcome.message}${hint === undefined ? '' : `: ${hint}`}`);
  return errorReply(
    id,
    new AuditRelayError(outcome.code, `The kernel refused the record: ${outcome.message}`),
  );
}

/**
 * Answers one request line from `peer` through `answer`, exactly once: at once for a status request or a
 * refusal, when the kernel answered for an event. Never throws. No promise per request: one in flight
 * holds a single callback (the daemon keeps thousands in flight; each survives until the kernel's ack).
 */
export function handleRequest(
  ctx: RequestContext,
  line: Uint8Array,
  peer: Sender,
  answer: (reply: Reply) => void,
  pacing: StatusPacing,
): void {
  let id: RequestId = null;
  try {
    const request = parseRequest(line);
    id = request.id;
    if (request.kind === 'status') handleStatus(ctx, id, peer, answer, pacing);
    else handleEvent(ctx, id, request.event, peer, answer);
  } catch (error) {
    answer(failureReply(ctx, id, error));
  }
}

function failureReply(ctx: RequestContext, id: RequestId, error: unknown): Reply {
  if (error instanceof EventError || error instanceof RequestError) {
    ctx.counters.malformed++;
    return errorReply(error instanceof RequestError ? error.id : id, error);
  }
  if (!(error instanceof AuditRelayError)) ctx.log.error(`request failed: ${String(error)}`);
  return errorReply(id, error);
}
