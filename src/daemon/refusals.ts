/**
 * Refused requests become audit records too, so probing is visible at the collector — rate-limited: the
 * first refusal per (uid, code) is recorded at once, later ones in the same interval are counted and
 * recorded as one summary at its end.
 */
import { encodeField } from '../audit/encoding.js';
import { type EmitRecord, type Sender, senderFields } from '../audit/record.js';

export const REFUSAL_TYPE = 1109; // AUDIT_USER_ERR
export const REFUSAL_OP = 'auditrelay-refusal';

interface Window {
  readonly sender: Sender;
  readonly code: string;
  count: number;
  lastType: string;
}

export function refusalRecord(sender: Sender, code: string, eventType: string, count: number): EmitRecord {
  const message = [
    `op=${REFUSAL_OP}`,
    encodeField('reason', Buffer.from(code)),
    encodeField('event_type', Buffer.from(eventType)),
    encodeField('refused', Buffer.from(String(count))),
    ...senderFields(sender),
  ].join(' ');
  return { kind: 'user', type: REFUSAL_TYPE, message, addr: null, success: false };
}

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

  /** Notes one refusal; records it at once when it is the first of its kind in this interval. */
  refused(sender: Sender, code: string, eventType: string): void {
    const key = `${sender.uid}:${code}`;
    const window = this.#windows.get(key);
    if (window === undefined) {
      this.#windows.set(key, { sender, code, count: 0, lastType: eventType });
      this.#emit(refusalRecord(sender, code, eventType, 1));
      return;
    }
    window.count++;
    window.lastType = eventType;
  }

  /** Records one summary per (uid, code) that was refused again in the interval; forgets quiet ones. */
  flush(): void {
    for (const [key, window] of this.#windows) {
      if (window.count === 0) {
        this.#windows.delete(key);
        continue;
      }
      this.#emit(refusalRecord(window.sender, window.code, window.lastType, window.count));
      window.count = 0;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
