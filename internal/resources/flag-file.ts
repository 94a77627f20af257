// Flag values of the form `file:///path` name a file holding the real value, as with every Mesos
// flag. Reading it is I/O, so it lives here and the parsers stay pure.

import * as fs from "node:fs";
import { parseAttributes, type Attributes } from "./attributes.ts";
import { ResourcesParseError, type ParseSubject } from "./errors.ts";
import { flagTextCharsMax } from "./limits.ts";
import { parseResources, type ResourcesParseOptions } from "./parse.ts";
import type { Resources } from "./resources.ts";

const fileScheme = "file://";

/** The flag's text: the value itself, or the trimmed content of the file it points at. */
export function readFlagText(value: string, subject: ParseSubject): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith(fileScheme)) return trimmed;
  const filePath = trimmed.slice(fileScheme.length);
  if (filePath.length === 0) throw new ResourcesParseError(trimmed, "file:// without a path", subject);
  let content: string;
  try {
    const stats = fs.statSync(filePath);
    // Bytes bound characters from above, so this refuses a huge file before reading it.
    if (stats.size > flagTextCharsMax * 4) {
      throw new ResourcesParseError(trimmed, `file larger than ${flagTextCharsMax} characters`, subject);
    }
    content = fs.readFileSync(filePath, "utf8");
  } catch (error) {
    if (error instanceof ResourcesParseError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResourcesParseError(trimmed, `cannot read file: ${reason}`, subject);
  }
  return content.trim();
}

/** `--resources`: text, JSON, or `file://` holding either. */
export function parseResourcesFlag(value: string, options?: ResourcesParseOptions): Resources {
  return parseResources(readFlagText(value, "resources"), options);
}

/** `--attributes`: text, JSON, or `file://` holding either. */
export function parseAttributesFlag(value: string): Attributes {
  return parseAttributes(readFlagText(value, "attributes"));
}
