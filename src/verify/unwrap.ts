/**
 * Turning our wrapped re-sends (audit/wrapped.ts) back into the records they carry: parts are collected
 * per device, run and `ar_wid` until all `n` are there, then the hex is decoded into the original text
 * (`audit(<time>:<serial>): …`). Parts that never complete are counted; a damaged part (bad hex, a part
 * number out of range, a different count) is refused, never guessed. Memory is bounded by the parts
 * still incomplete, at most MAX_OPEN wrappers.
 *
 * @relation(AR-REQ-020)
 */

export interface WrappedPart {
  /** The device that sent the wrapper (sender.ts deviceOf). */
  readonly device: string;
  /** The node= it named (a label). */
  readonly node: string | null;
  readonly run: string;
  readonly type: string | undefined;
  readonly id: string | undefined;
  readonly part: string | undefined;
  readonly hex: string | undefined;
}

/** A record as the kernel first wrote it, recovered from a wrapper. */
export interface Unwrapped {
  readonly device: string;
  readonly node: string | null;
  readonly run: string;
  readonly type: number;
  /** `audit(<time>:<serial>): …`, latin1. */
  readonly text: string;
}

/** Wrappers waiting for parts, at most (the oldest is dropped, counted as incomplete). */
export const MAX_OPEN = 100_000;
const PART = /^([1-9][0-9]{0,2})\/([1-9][0-9]{0,2})$/;
const HEX = /^(?:[0-9A-F]{2})*$/;

export class Unwrapper {
  readonly #open = new Map<string, { parts: string[]; have: number }>();
  malformed = 0;
  incompleteDropped = 0;

  /** Adds a part; returns the record once its last part arrived (a part seen twice counts once). */
  add(p: WrappedPart): Unwrapped | undefined {
    const part = PART.exec(p.part ?? '');
    const type = Number(p.type);
    if (
      part === null ||
      !Number.isInteger(type) ||
      p.id === undefined ||
      !/^[0-9]{1,16}$/.test(p.id) ||
      !HEX.test(p.hex ?? '-')
    ) {
      this.malformed++;
      return undefined;
    }
    const index = Number(part[1]) - 1;
    const count = Number(part[2]);
    if (index >= count) {
      this.malformed++;
      return undefined;
    }
    const key = `${p.device}\u0000${p.run}\u0000${p.id}`;
    let open = this.#open.get(key);
    if (open === undefined) {
      if (this.#open.size >= MAX_OPEN) {
        const oldest = this.#open.keys().next().value;
        if (oldest !== undefined) this.#open.delete(oldest);
        this.incompleteDropped++;
      }
      open = { parts: new Array<string>(count), have: 0 };
      this.#open.set(key, open);
    }
    if (open.parts.length !== count) {
      this.malformed++;
      return undefined;
    }
    if (open.parts[index] === undefined) {
      open.parts[index] = p.hex ?? '';
      open.have++;
    }
    if (open.have < count) return undefined;
    this.#open.delete(key);
    const text = Buffer.from(open.parts.join(''), 'hex').toString('latin1');
    return { device: p.device, node: p.node, run: p.run, type, text };
  }

  /** Wrappers whose parts did not all arrive. */
  get incomplete(): number {
    return this.#open.size + this.incompleteDropped;
  }

  /** For verify --state: the wrappers still waiting for parts. */
  toState(): UnwrapperState {
    return {
      open: [...this.#open].map(([key, o]) => [key, Array.from(o.parts, (p) => p ?? null)]),
      malformed: this.malformed,
      incompleteDropped: this.incompleteDropped,
    };
  }

  static fromState(state: UnwrapperState): Unwrapper {
    const u = new Unwrapper();
    for (const [key, parts] of state.open.slice(-MAX_OPEN))
      u.#open.set(key, {
        parts: parts.map((p) => p ?? undefined) as string[],
        have: parts.filter((p) => p !== null).length,
      });
    u.malformed = state.malformed;
    u.incompleteDropped = state.incompleteDropped;
    return u;
  }
}

/** The wrappers waiting for parts, as verify --state keeps them (a missing part is null). */
export interface UnwrapperState {
  readonly open: ReadonlyArray<[key: string, parts: ReadonlyArray<string | null>]>;
  readonly malformed: number;
  readonly incompleteDropped: number;
}
