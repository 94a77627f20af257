// Flag definitions used by more than one mode.

import { ResourcesParseError } from "../resources/index.ts";
import { checkMasterAddress } from "./addresses.ts";
import type { FlagDef } from "./types.ts";

export const workDirFlag = (required: boolean, help: string): FlagDef => ({ name: "work_dir", kind: "string", required, help });

export const masterAddressFlag: FlagDef = {
  name: "master",
  kind: "string",
  required: true,
  check: (value) => checkMasterAddress(String(value)),
  help: "Where the masters are: host:port, a comma list of host:port, zk://host:port[,host:port]/path, or file:///path holding one of these.",
};

/** Runs a parser for its errors only: the parser's message already names the token and the problem. */
export function problemOf(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (error instanceof ResourcesParseError) return error.message;
    throw error;
  }
}
