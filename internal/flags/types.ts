export const modes = ["master", "agent", "zk-lite", "cron", "dev"] as const;
export type Mode = (typeof modes)[number];

export type FlagKind = "string" | "boolean" | "integer" | "number" | "duration" | "bytes" | "port" | "enum";
export type FlagValue = string | number | boolean;

export interface FlagDef {
  /** Name as written on the command line, with underscores: `work_dir`. */
  name: string;
  kind: FlagKind;
  /** One sentence for --help and the README. */
  help: string;
  /** Absent: the flag is optional and has no value unless given (or required). */
  default?: FlagValue;
  /** A default that depends on the machine (hostname, cpus); shown in help as this text. */
  defaultText?: string;
  required?: boolean;
  /** Accepted but left out of --help and the README: test hooks. */
  hidden?: boolean;
  /** Shown as "[redacted]" by /flags. */
  secret?: boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /**
   * Extra validation after the kind's own parsing. Returns undefined when fine, otherwise the
   * problem ("expected a URL of the form zk://..., got 'x'"), which becomes the error line.
   */
  check?: (value: FlagValue) => string | undefined;
}

export type FlagSource = "command line" | "environment" | "config file" | "default";

export interface EffectiveFlag {
  def: FlagDef;
  value: FlagValue | undefined;
  source: FlagSource;
}

/** A bad command line: one line naming the flag and what was expected; the process exits 2. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}
