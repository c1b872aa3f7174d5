/** How commands print: one JSON document with --json, readable lines otherwise. */
export interface Output {
  /** Prints a result: `value` as JSON with --json, else the `human` text. */
  result(value: unknown, human: string): void;
}

let printed = false;

/** Whether a command already printed its result (then a failure adds no second JSON document). */
export function resultPrinted(): boolean {
  return printed;
}

export function makeOutput(json: boolean): Output {
  return {
    result(value, human) {
      printed = true;
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
    },
  };
}
