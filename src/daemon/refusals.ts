/**
 * Refused requests become audit records too, so probing is visible at the collector — rate-limited: the
 * first refusal per (uid, code) is recorded at once, later ones in the same interval are counted per
 * sending process and recorded at its end, one summary per process: every sender is named, up to
 * NAMED_SENDERS per (uid, code) — a uid forking without end is summed in one record naming the uid.
 */
import { encodeField } from '../audit/encoding.js';
import { type EmitRecord, type Sender, senderFields } from '../audit/record.js';
import type { ErrorCode } from '../errors/codes.js';

export const REFUSAL_TYPE = 1109; // AUDIT_USER_ERR
export const REFUSAL_OP = 'auditrelay-refusal';
/** Processes one (uid, code) window names one by one; refusals from further ones are summed. */
export const NAMED_SENDERS = 16;

interface SenderCount {
  readonly sender: Sender;
  count: number;
  lastType: string;
}

/** One (uid, code) pair's refusals in the current interval, per sending process. */
interface Window {
  readonly uid: number;
  readonly code: ErrorCode;
  readonly senders: Map<string, SenderCount>;
  /** Refusals from senders beyond NAMED_SENDERS, and the last event type among them. */
  unnamed: number;
  unnamedType: string;
}

function record(parts: readonly string[]): EmitRecord {
  return { kind: 'user', type: REFUSAL_TYPE, message: parts.join(' '), addr: null, success: false };
}

function head(code: ErrorCode, eventType: string, count: number): string[] {
  return [
    `op=${REFUSAL_OP}`,
    encodeField('reason', Buffer.from(code)),
    encodeField('event', Buffer.from(eventType)),
    encodeField('refused', Buffer.from(String(count))),
  ];
}

export function refusalRecord(sender: Sender, code: ErrorCode, eventType: string, count: number): EmitRecord {
  return record([...head(code, eventType, count), ...senderFields(sender)]);
}

/** The refusals of one uid's senders beyond the named ones: the uid is known, the processes are not. */
function unnamedRecord(window: Window): EmitRecord {
  const parts = [...head(window.code, window.unnamedType, window.unnamed), `sender_user=${window.uid}`];
  return record([...parts, `senders="more than ${NAMED_SENDERS}"`]);
}

const senderKey = (sender: Sender) => `${sender.pid}:${sender.exe ?? ''}`;

export class RefusalReporter {
  readonly #emit: (record: EmitRecord) => void;
  readonly #windows = new Map<string, Window>();
  #timer: NodeJS.Timeout | undefined;

  constructor(emit: (record: EmitRecord) => void, intervalMs: number) {
    this.#emit = emit;
    this.setInterval(intervalMs);
  }

  setInterval(intervalMs: number): void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.flush(), intervalMs);
    this.#timer.unref();
  }

  /** Notes one refusal; records it at once when it is the first of its (uid, code) in this interval. */
  refused(sender: Sender, code: ErrorCode, eventType: string): void {
    const key = `${sender.uid}:${code}`;
    const window = this.#windows.get(key);
    if (window === undefined) {
      const senders = new Map([[senderKey(sender), { sender, count: 0, lastType: eventType }]]);
      this.#windows.set(key, { uid: sender.uid, code, senders, unnamed: 0, unnamedType: eventType });
      this.#emit(refusalRecord(sender, code, eventType, 1));
      return;
    }
    const known = window.senders.get(senderKey(sender));
    if (known !== undefined) {
      known.count++;
      known.lastType = eventType;
    } else if (window.senders.size < NAMED_SENDERS) {
      window.senders.set(senderKey(sender), { sender, count: 1, lastType: eventType });
    } else {
      window.unnamed++;
      window.unnamedType = eventType;
    }
  }

  /**
   * Records one summary per sender refused again in the interval, and one for the senders beyond
   * NAMED_SENDERS; forgets windows that stayed quiet.
   */
  flush(): void {
    for (const [key, window] of this.#windows) {
      const again = [...window.senders.values()].filter((entry) => entry.count > 0);
      if (again.length === 0 && window.unnamed === 0) {
        this.#windows.delete(key);
        continue;
      }
      for (const entry of again) {
        this.#emit(refusalRecord(entry.sender, window.code, entry.lastType, entry.count));
        entry.count = 0;
      }
      if (window.unnamed > 0) this.#emit(unnamedRecord(window));
      window.unnamed = 0;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
