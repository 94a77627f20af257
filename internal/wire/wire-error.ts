// Bad input from the network, named by where it is: every parser in this folder throws WireError
// with the path of the offending field in the request body, so the HTTP layer can answer 400 with a
// message an operator can act on.

/** Longest piece of client input an error message repeats. */
export const wireErrorValueCharsMax = 120;

export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    /** Path of the field in the body, e.g. `accept.operations[0].launch.task_infos[1].task_id.value`; empty for the body itself. */
    readonly field: string,
    /** What is wrong with it, e.g. `expected a string, got a number`. */
    readonly problem: string,
  ) {
    super(field.length > 0 ? `${field}: ${problem}` : problem);
  }
}

/** A client value quoted for a message, cut short so a huge body cannot flood a log line. */
export function quoteValue(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length <= wireErrorValueCharsMax ? text : `${text.slice(0, wireErrorValueCharsMax)}...`;
}
