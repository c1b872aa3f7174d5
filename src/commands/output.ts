/** How commands print: one JSON document with --json, readable lines otherwise. */
export interface Output {
  readonly json: boolean;
  /** Prints a result: `value` as JSON with --json, else the `human` text. */
  result(value: unknown, human: string): void;
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
    },
  };
}
