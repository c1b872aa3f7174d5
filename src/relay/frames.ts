/**
 * Counts the messages in one direction of an audisp-remote connection, as audisp-remote frames them
 * (audisp/plugins/remote/audisp-remote.c, the collector's src/auditd-listen.c):
 * - transport KRB5: GSS tokens, each a 4-byte big-endian length and that many bytes (send_token);
 * - transport TCP: managed-format messages, a 16-byte header (magic 0xff0000fe, the body length as a
 *   16-bit number at byte 10, both little-endian: lib/private.h's _AUDIT_RMW_PUTN32 writes the low byte
 *   first) and the body (send_msg_tcp).
 * The relay never looks inside: counting is how it knows whether audisp-remote awaits a reply, and how many
 * records the collector acknowledged. A frame longer than any audisp-remote sends breaks the count.
 *
 * @relation(AR-REQ-019)
 */
import { AuditRelayError } from '../errors/error.js';

export type Framing = 'gss' | 'rmw';

/** Larger than any token or message audisp-remote or a collector writes (MAX_AUDIT_MESSAGE_LENGTH 8970). */
export const MAX_FRAME_BYTES = 65_536;
const RMW_HEADER = 16;
const RMW_MAGIC = 0xff0000fe;

export class FrameCounter {
  readonly #framing: Framing;
  readonly #header: Buffer;
  #have = 0;
  /** Body bytes still to skip; -1 while reading a header. */
  #body = -1;

  constructor(framing: Framing) {
    this.#framing = framing;
    this.#header = Buffer.alloc(framing === 'gss' ? 4 : RMW_HEADER);
  }

  /** Feeds bytes; returns how many frames they completed. Throws RELAY_FRAMING on a frame no peer sends. */
  push(chunk: Buffer): number {
    let frames = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.#body < 0) {
        const take = Math.min(this.#header.length - this.#have, chunk.length - at);
        chunk.copy(this.#header, this.#have, at, at + take);
        this.#have += take;
        at += take;
        if (this.#have < this.#header.length) break;
        this.#have = 0;
        this.#body = this.#bodyLength();
      }
      const take = Math.min(this.#body, chunk.length - at);
      this.#body -= take;
      at += take;
      if (this.#body === 0) {
        frames++;
        this.#body = -1;
      }
    }
    return frames;
  }

  #bodyLength(): number {
    if (this.#framing === 'gss') {
      const length = this.#header.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES)
        throw new AuditRelayError(
          'RELAY_FRAMING',
          `a GSS token of ${length} bytes (at most ${MAX_FRAME_BYTES})`,
        );
      return length;
    }
    if (this.#header.readUInt32LE(0) !== RMW_MAGIC)
      throw new AuditRelayError('RELAY_FRAMING', 'a managed-format header without its magic number');
    return this.#header.readUInt16LE(10);
  }
}
