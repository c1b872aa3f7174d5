/** Follows a growing log file (the collector's) and hands each new complete line to a callback. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export class LogTail {
  readonly #path: string;
  #offset: number;
  #partial = '';

  constructor(path: string) {
    this.#path = path;
    this.#offset = statSync(path).size;
  }

  /** Reads what was appended since the last call. */
  poll(onLine: (line: string) => void): void {
    const size = statSync(this.#path).size;
    if (size <= this.#offset) return;
    const buf = Buffer.alloc(size - this.#offset);
    const fd = openSync(this.#path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.#offset);
    } finally {
      closeSync(fd);
    }
    this.#offset = size;
    const lines = (this.#partial + buf.toString('latin1')).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  }
}
