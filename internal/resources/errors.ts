// Two kinds of failure, kept apart on purpose. Text from an operator that does not parse is an
// operating error: ResourcesParseError names the offending token and the problem so the message can
// be shown as is. Arithmetic that breaks an invariant (subtracting what is not there, mixing types
// under one name) is a programming error in the caller: ResourcesArithmeticError, never caught
// routinely.

/** What was being parsed when the error was found; it becomes the first word of the message. */
export type ParseSubject = "resource" | "resources" | "attribute" | "attributes" | "default role";

/** A resource or attribute text (or JSON) that cannot be accepted. */
export class ResourcesParseError extends Error {
  override readonly name = "ResourcesParseError";
  constructor(
    /** The offending piece of input, e.g. `cpus:-1` or a JSON element. */
    readonly token: string,
    /** What is wrong with it, e.g. `negative value`. */
    readonly problem: string,
    readonly subject: ParseSubject = "resource",
  ) {
    super(`invalid ${subject} '${token}': ${problem}`);
  }
}

/** An arithmetic request that the values cannot satisfy; indicates a bug in the caller. */
export class ResourcesArithmeticError extends Error {
  override readonly name = "ResourcesArithmeticError";
}
